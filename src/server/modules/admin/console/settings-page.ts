// The settings page: what is in force (read from the running services), and every setting that
// can be changed live as a form: its value now, where that comes from (the configuration file, a
// default, or an override with who set it when), Save, and "Reset to file value" for an override.
import type { SettingView } from '../../../core/settings-service.js';
import type { EffectiveSettings } from './views.js';
import { formatBytes, formatTime, html, type Html } from './html.js';

/** Operator words for the keys; the key itself is shown too (it is what `ferry settings` takes). */
const LABELS: Readonly<Record<string, string>> = {
  'modules.proxy65.active': 'Proxy on',
  'modules.proxy65.port': 'Proxy port',
  'modules.proxy65.advertised_host': 'Advertised host',
  'modules.proxy65.advertised_port': 'Advertised port',
  'modules.proxy65.acl': 'Who may use the proxy',
  'modules.proxy65.bandwidth_bytes_per_second': 'Bandwidth per stream (bytes/s, 0 = unlimited)',
  'modules.http_upload.acl': 'Who may upload',
  'modules.http_upload.max_file_size': 'Largest file (bytes)',
  'modules.http_upload.daily_quota_bytes': 'Per account, per 24 h (bytes, 0 = no limit)',
  'modules.http_upload.user_quota_bytes': 'Per account, stored (bytes, 0 = no limit)',
  'modules.http_upload.global_quota_bytes': 'Everyone, stored (bytes, 0 = no limit)',
  'modules.http_upload.allowed_types': 'Allowed types (empty = any)',
  'modules.http_upload.forbidden_types': 'Refused types',
  'modules.http_upload.expire_after_days': 'Files expire after (days, 0 = never)',
};

export function settingsBody(settings: EffectiveSettings): Html {
  const { proxy, upload } = settings;
  return html`<p class="hint">
      Changes below apply at once, without a restart, and are kept across restarts. Values marked
      <strong>overridden</strong> were set here or with <code>ferry settings</code> and win over the configuration file;
      the others come from the file (or are defaults).
    </p>
    <section aria-labelledby="proxy-h" class="card">
      <h2 id="proxy-h">SOCKS5 proxy (proxy65)</h2>
      ${proxy.enabled ? proxySummary(proxy) : html`<p>not loaded (enable it in the configuration file and restart)</p>`}
      ${settingsTable(
        settings.settings.filter((view) => view.key.startsWith('modules.proxy65.')),
        'proxy',
      )}
    </section>
    <section aria-labelledby="upload-h" class="card">
      <h2 id="upload-h">HTTP upload (http_upload)</h2>
      ${
        upload.enabled
          ? html`<dl class="settings">
              ${uploadRows(upload).map(
                ([label, value]) =>
                  html`<div>
                    <dt>${label}</dt>
                    <dd>${value}</dd>
                  </div>`,
              )}
            </dl>`
          : html`<p>not loaded (enable it in the configuration file and restart)</p>`
      }
      ${settingsTable(
        settings.settings.filter((view) => view.key.startsWith('modules.http_upload.')),
        'upload',
      )}
    </section>`;
}

type ProxySettings = Extract<EffectiveSettings['proxy'], { enabled: true }>;

function proxySummary(proxy: ProxySettings): Html {
  return html`<dl class="settings">
      <div>
        <dt>Status</dt>
        <dd data-field="proxy-status">${proxy.isActive ? 'on' : 'off'}, ${proxy.jid}</dd>
      </div>
      <div>
        <dt>Listening</dt>
        <dd>${proxy.isActive ? `${proxy.listening.host}:${proxy.listening.port}` : 'not listening'}</dd>
      </div>
      <div>
        <dt>Advertised</dt>
        <dd>${proxy.advertised.host}:${proxy.advertised.port}</dd>
      </div>
      <div>
        <dt>Who may use it</dt>
        <dd>${describeAcl(proxy.acl)}</dd>
      </div>
      <div>
        <dt>Bandwidth</dt>
        <dd>
          ${proxy.bandwidthBytesPerSecond === 0 ? 'unlimited' : `${formatBytes(proxy.bandwidthBytesPerSecond)}/s per stream`}
        </dd>
      </div>
    </dl>
    <form data-api="settings/proxy/check" data-method="POST" data-then="result" class="inline">
      <button type="submit">Check reachability</button>
      <output aria-live="polite"></output>
    </form>
    <form
      data-api="settings/proxy/close-relays"
      data-method="POST"
      data-then="reload"
      data-confirm="Cut every transfer the proxy is relaying now?"
      class="inline"
    >
      <button type="submit">Close running relays</button>
    </form>`;
}

function settingsTable(views: readonly SettingView[], prefix: string): Html {
  if (views.length === 0 || views.every((view) => !view.isAvailable)) return html``;
  return html`<table class="settings-table">
    <caption>
      Change live
    </caption>
    <thead>
      <tr>
        <th scope="col">Setting</th>
        <th scope="col">Value</th>
        <th scope="col">Comes from</th>
        <th scope="col"></th>
      </tr>
    </thead>
    <tbody>
      ${views.filter((view) => view.isAvailable).map((view, index) => settingRow(view, `${prefix}-${index}`))}
    </tbody>
  </table>`;
}

function settingRow(view: SettingView, id: string): Html {
  const label = LABELS[view.key] ?? view.key;
  const input =
    typeof view.effective === 'boolean'
      ? html`<select id="${id}" name="value">
          <option value="true" ${view.effective ? html`selected` : ''}>on</option>
          <option value="false" ${view.effective ? '' : html`selected`}>off</option>
        </select>`
      : html`<input
          id="${id}"
          name="value"
          type="text"
          value="${asText(view.effective)}"
          placeholder="${view.effective === undefined ? 'not set (derived)' : ''}"
          spellcheck="false"
        />`;
  return html`<tr data-setting="${view.key}">
    <td data-label="Setting"><label for="${id}">${label}</label><br /><code>${view.key}</code></td>
    <td data-label="Value">
      <form data-api="settings/${view.key}" data-method="POST" data-then="reload" class="inline">
        ${input}
        <button type="submit">Save</button>
      </form>
    </td>
    <td data-label="Comes from" data-source="${view.override ? 'override' : 'file'}">${source(view)}</td>
    <td>
      ${
        view.override
          ? html`<form data-api="settings/${view.key}" data-method="DELETE" data-then="reload" class="inline">
              <button type="submit">Reset to file value</button>
            </form>`
          : ''
      }
    </td>
  </tr>`;
}

function source(view: SettingView): Html {
  const file = view.file === undefined ? 'the file does not set it' : `file: ${asText(view.file)}`;
  if (!view.override) return html`${view.file === undefined ? 'default' : 'configuration file'}`;
  return html`<strong>overridden</strong> by ${view.override.by}, ${formatTime(view.override.at)} (${file})`;
}

/** A value as the operator types it: text as is, anything else as JSON. */
function asText(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function describeAcl(acl: 'local' | 'any' | readonly string[]): string {
  if (acl === 'local') return 'accounts of this server';
  if (acl === 'any') return 'anyone';
  return acl.join(', ');
}

type UploadSettings = Extract<EffectiveSettings['upload'], { enabled: true }>;

function uploadRows(upload: UploadSettings): [string, string][] {
  const limit = (bytes: number) => (bytes === 0 ? 'no limit' : formatBytes(bytes));
  const days = (count: number) => (count === 0 ? 'never' : `after ${count} days`);
  const types = (list: readonly string[], none: string) => (list.length === 0 ? none : list.join(', '));
  return [
    ['Status', `on, ${upload.jid}`],
    ['Stored now', formatBytes(upload.storedBytes)],
    ['Who may upload', describeAcl(upload.acl)],
    ['Largest file', formatBytes(upload.max_file_size)],
    ['Slot valid for', `${upload.slot_expiry_seconds} s`],
    ['Per account, per 24 h', limit(upload.daily_quota_bytes)],
    ['Per account, stored', limit(upload.user_quota_bytes)],
    ['Everyone, stored', limit(upload.global_quota_bytes)],
    ['Allowed types', types(upload.allowed_types, 'any')],
    ['Refused types', types(upload.forbidden_types, 'none')],
    ['Files expire', days(upload.expire_after_days)],
    ['Permanent files', upload.permanent || upload.expire_after_days === 0 ? 'accepted' : 'refused'],
    ['Profile files expire', days(upload.profile_expire_after_days)],
    ['Largest profile file', formatBytes(upload.profile_max_file_size)],
    ['Store', upload.store],
  ];
}
