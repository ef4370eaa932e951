// The login page and the dashboard. The dashboard is rendered with what the operations service
// says now, and console.js refreshes its tables every 2 s from the JSON API.
import type { Services } from '../../../core/services.js';
import type { ClusterView } from '../../../cluster/cluster-view.js';
import { formatBytes, formatTime, html, type Html } from './html.js';

type Operations = Services['operations'];

export function loginBody(): Html {
  return html`<form class="card login" data-api="login" data-method="POST" data-then="dashboard">
      <p>
        <label for="jid">JID</label>
        <input
          id="jid"
          name="jid"
          type="text"
          autocomplete="username"
          required
          autofocus
          spellcheck="false"
          autocapitalize="none"
          placeholder="alice@example.org"
        />
      </p>
      <p>
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
      </p>
      <p><button type="submit">Log in</button></p>
    </form>
    <p class="hint">
      Administrators log in with their XMPP account; the server's <code>admins</code> setting lists them.
    </p>`;
}

export function dashboardBody(operations: Operations | undefined): Html {
  const status = operations?.status();
  const sessions = operations?.sessions() ?? [];
  const transfers = operations?.transfers() ?? [];
  const totals = status?.totals;
  return html`<p class="state" data-live-state ${operations ? 'hidden' : ''}>
      Live view unavailable: the operations module is not loaded.
    </p>
    <section aria-labelledby="totals-h">
      <h2 id="totals-h">Totals</h2>
      <dl class="totals" data-live="status">
        <div>
          <dt>Sessions</dt>
          <dd data-field="sessions">${status?.sessions ?? '–'}</dd>
        </div>
        <div>
          <dt>Transfers now</dt>
          <dd data-field="transfers">${status?.transfers ?? '–'}</dd>
        </div>
        <div>
          <dt>Completed</dt>
          <dd data-field="transfersCompleted">${totals?.transfersCompleted ?? '–'}</dd>
        </div>
        <div>
          <dt>Relayed</dt>
          <dd data-field="bytesRelayed" data-format="bytes">${totals ? formatBytes(totals.bytesRelayed) : '–'}</dd>
        </div>
        <div>
          <dt>Uploaded</dt>
          <dd data-field="bytesUploaded" data-format="bytes">${totals ? formatBytes(totals.bytesUploaded) : '–'}</dd>
        </div>
        <div>
          <dt>Downloaded</dt>
          <dd data-field="bytesDownloaded" data-format="bytes">
            ${totals ? formatBytes(totals.bytesDownloaded) : '–'}
          </dd>
        </div>
        <div>
          <dt>Up since</dt>
          <dd data-field="startedAt" data-format="time">${status ? formatTime(status.startedAt) : '–'}</dd>
        </div>
      </dl>
    </section>
    ${status?.cluster ? clusterSection(status.cluster) : ''}
    <section aria-labelledby="sessions-h">
      <h2 id="sessions-h">Sessions</h2>
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">JID</th>
              <th scope="col">Address</th>
              <th scope="col">Transport</th>
              <th scope="col">TLS</th>
              <th scope="col">Since</th>
            </tr>
          </thead>
          <tbody data-live="sessions">
            ${sessions.map(
              (session) =>
                html`<tr>
                  <td>${session.jid}</td>
                  <td>${session.address}</td>
                  <td>${session.transport}</td>
                  <td>${session.tls ? 'yes' : 'no'}</td>
                  <td>${formatTime(session.since)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </section>
    <section aria-labelledby="transfers-h">
      <h2 id="transfers-h">Live transfers</h2>
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Method</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Bytes</th>
              <th scope="col">Rate</th>
              <th scope="col">Since</th>
            </tr>
          </thead>
          <tbody data-live="transfers">
            ${transfers.map(
              (transfer) =>
                html`<tr>
                  <td>${transfer.method}</td>
                  <td>${transfer.from ?? ''}</td>
                  <td>${transfer.to ?? ''}</td>
                  <td>
                    ${formatBytes(transfer.bytes)}${transfer.size === undefined ? '' : ` / ${formatBytes(transfer.size)}`}
                  </td>
                  <td>${formatBytes(transfer.bytesPerSecond)}/s</td>
                  <td>${formatTime(transfer.since)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </section>`;
}

/** On a cluster node: every node and its sessions, as of the page load (this page is this node's). */
function clusterSection(cluster: ClusterView): Html {
  return html`<section aria-labelledby="cluster-h">
    <h2 id="cluster-h">Cluster</h2>
    <div class="scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">Node</th>
            <th scope="col">Sessions</th>
          </tr>
        </thead>
        <tbody>
          ${cluster.nodes.map(
            (node) =>
              html`<tr>
                <td>${node.id}${node.isSelf ? ' (this node)' : ''}</td>
                <td>${node.sessions}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </section>`;
}
