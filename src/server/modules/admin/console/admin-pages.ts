// The users, uploads and logs pages: server-rendered tables with real forms, which
// console.js sends to the JSON API with the session's CSRF token.
import type { LogEntry, LogLevelName } from '../../../core/logger.js';
import { LOG_LEVELS } from '../../../core/logger.js';
import type { UploadView, UserView, UsersPage } from './views.js';
import { formatBytes, formatTime, html, type Html } from './html.js';

export function usersBody({ users, next }: UsersPage, domain: string): Html {
  return html`<section aria-labelledby="create-h" class="card">
      <h2 id="create-h">Create an account</h2>
      <form data-api="users" data-method="POST" data-then="reload" class="inline">
        <p>
          <label for="new-username">Username</label>
          <input
            id="new-username"
            name="username"
            type="text"
            required
            autocomplete="off"
            spellcheck="false"
            autocapitalize="none"
          /><span class="suffix">@${domain}</span>
        </p>
        <p>
          <label for="new-password">Password</label>
          <input id="new-password" name="password" type="password" required autocomplete="new-password" />
        </p>
        <p><button type="submit">Create</button></p>
      </form>
    </section>
    <section aria-labelledby="users-h">
      <h2 id="users-h">Accounts (${next === undefined ? users.length : `${users.length} on this page`})</h2>
      <div class="scroll">
        <table class="stack">
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Sessions</th>
              <th scope="col">Uploads</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            ${users.map((user, index) => userRow(user, index))}
          </tbody>
        </table>
      </div>
      ${next === undefined ? '' : html`<p><a href="users?after=${encodeURIComponent(next)}" rel="next">Next accounts</a></p>`}
    </section>`;
}

function userRow(user: UserView, index: number): Html {
  const name = encodeURIComponent(user.name);
  return html`<tr data-user="${user.name}">
    <th scope="row">${user.jid}${user.isAdmin ? html` <span class="badge">admin</span>` : ''}</th>
    <td data-label="Sessions">${user.sessions}</td>
    <td data-label="Uploads">${user.uploads ? `${user.uploads.count} (${formatBytes(user.uploads.bytes)})` : '–'}</td>
    <td class="actions">
      <form data-api="users/${name}/password" data-method="POST" data-then="reload" class="inline">
        <label for="pw-${index}" class="visually-hidden">New password for ${user.jid}</label>
        <input
          id="pw-${index}"
          name="password"
          type="password"
          required
          autocomplete="new-password"
          placeholder="new password"
        />
        <button type="submit">Reset password</button>
      </form>
      ${
        user.sessions > 0
          ? html`<form data-api="sessions/kick" data-method="POST" data-then="reload" class="inline">
              <input type="hidden" name="jid" value="${user.jid}" />
              <button type="submit">Kick ${user.sessions === 1 ? 'session' : 'sessions'}</button>
            </form>`
          : ''
      }
      <form
        data-api="users/${name}"
        data-method="DELETE"
        data-then="reload"
        data-confirm="Delete ${user.jid} and all its uploads?"
        class="inline"
      >
        <button type="submit" class="danger">Delete ${user.name}</button>
      </form>
    </td>
  </tr>`;
}

export function uploadsBody(uploads: readonly UploadView[] | undefined): Html {
  if (!uploads) return html`<p class="state">HTTP upload is off (modules.http_upload).</p>`;
  const total = uploads.reduce((sum, upload) => sum + upload.size, 0);
  return html`<p>${uploads.length} files, ${formatBytes(total)}.</p>
    <div class="scroll">
      <table class="stack">
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Owner</th>
            <th scope="col">Size</th>
            <th scope="col">Type</th>
            <th scope="col">Uploaded</th>
            <th scope="col">Expires</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          ${uploads.map(
            (upload) =>
              html`<tr>
                <th scope="row" title="${upload.id}">${upload.name}</th>
                <td data-label="Owner">${upload.owner}</td>
                <td data-label="Size">${formatBytes(upload.size)}</td>
                <td data-label="Type">${upload.contentType}</td>
                <td data-label="Uploaded">${formatTime(upload.created)}</td>
                <td data-label="Expires">${upload.expires === undefined ? 'never' : formatTime(upload.expires)}</td>
                <td>
                  <form
                    data-api="uploads/${encodeURIComponent(upload.id)}"
                    data-method="DELETE"
                    data-then="reload"
                    data-confirm="Delete ${upload.name}?"
                  >
                    <button type="submit" class="danger">Delete</button>
                  </form>
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
}

export function logsBody(lines: readonly LogEntry[], level: LogLevelName): Html {
  return html`<form method="get" class="inline">
      <label for="level">Level at least</label>
      <select id="level" name="level">
        ${LOG_LEVELS.map(
          (name) => html`<option value="${name}" ${name === level ? html` selected` : ''}>${name}</option>`,
        )}
      </select>
      <button type="submit">Filter</button>
    </form>
    <p>The last ${lines.length} lines, newest last.</p>
    <div class="scroll">
      <table class="logs stack">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Level</th>
            <th scope="col">Message</th>
            <th scope="col">Fields</th>
          </tr>
        </thead>
        <tbody>
          ${lines.map(
            (line) =>
              html`<tr class="level-${line.level}">
                <td data-label="Time">${formatTime(line.time)}</td>
                <td data-label="Level">${line.level}</td>
                <td>${line.msg}</td>
                <td><code>${JSON.stringify(line.fields)}</code></td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
}
