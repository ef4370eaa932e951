// GET settings (what is in force, and each live setting with its file value and override),
// POST settings/:key {value} (set an override: validated, applied live, stored), DELETE
// settings/:key (back to the file's value), POST settings/proxy/check (the start-up SOCKS5
// self-test at the advertised address), POST settings/proxy/close-relays. The settings service
// writes the audit line of a change (who, key, old → new), for the console and the CLI alike.
import { SettingsError, coerceSettingValue, type SettingsService } from '../../core/settings-service.js';
import type { AdminContext } from './admin-context.js';
import { ApiError, apiErrors } from './api-errors.js';
import { decode, settingBody } from './api-input.js';
import type { Endpoint } from './api-table.js';
import { effectiveSettings } from './settings.js';

export function settingsEndpoints(admin: AdminContext): Endpoint[] {
  const { ctx } = admin;
  const service = (): SettingsService => {
    const settings = ctx.service('settings');
    if (!settings) throw apiErrors.unavailable('settings cannot be changed on this server');
    return settings;
  };
  const proxy = () => {
    const found = ctx.service('proxy65');
    if (!found) throw apiErrors.unavailable('the SOCKS5 proxy (proxy65) is not loaded');
    return found;
  };
  return [
    { method: 'GET', path: 'settings', handler: () => ({ body: effectiveSettings(ctx) }) },
    {
      method: 'POST',
      path: 'settings/:key',
      async handler({ session, params, body }) {
        const { value } = decode(settingBody, await body());
        // A form field is text: "7000", "false", "local"; a JSON client may send the typed value.
        const typed = typeof value === 'string' ? coerceSettingValue(value) : value;
        const change = await refusals(() => service().set(params.key!, typed, session!.jid));
        return { body: change };
      },
    },
    {
      method: 'DELETE',
      path: 'settings/:key',
      async handler({ session, params }) {
        return { body: await refusals(() => service().reset(params.key!, session!.jid)) };
      },
    },
    {
      method: 'POST',
      path: 'settings/proxy/check',
      async handler({ session }) {
        const running = proxy();
        const check = await running.checkAdvertised();
        const { host, port } = running.advertised;
        admin.audit(session!, 'proxy.check', `${host}:${port}`, { ok: check.ok });
        return { body: { advertised: running.advertised, ...check } };
      },
    },
    {
      method: 'POST',
      path: 'settings/proxy/close-relays',
      handler({ session }) {
        const closed = proxy().closeRelays();
        admin.audit(session!, 'proxy.close-relays', 'proxy65', { closed });
        return { body: { closed } };
      },
    },
  ];
}

/** A refused change as the API's error: a bad key or value 400, a change the server could not make 409. */
async function refusals<T>(change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    if (error.code === 'not-applied') throw new ApiError(409, 'not_applied', error.message);
    if (error.code === 'unavailable') throw apiErrors.unavailable(error.message);
    throw new ApiError(400, error.code === 'unknown-key' ? 'unknown_setting' : 'invalid_setting', error.message);
  }
}
