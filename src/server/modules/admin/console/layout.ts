// The page shell every console page shares: head (CSS, the one script, the CSRF token and API
// base as meta tags, since the CSP forbids inline script), the navigation and the main landmark.
import { html, type Html } from './html.js';

export interface PageFrame {
  title: string;
  /** The console's path ('/admin'). */
  base: string;
  /** Absent on the login page. */
  session?: { jid: string; csrfToken: string };
  /** Which nav entry is current. */
  current?: 'dashboard' | 'users' | 'uploads' | 'logs' | 'settings';
}

const NAV = [
  ['dashboard', 'Dashboard'],
  ['users', 'Users'],
  ['uploads', 'Uploads'],
  ['logs', 'Logs'],
  ['settings', 'Settings'],
] as const;

export function page(frame: PageFrame, body: Html): string {
  const { base, session } = frame;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="ferry-api" content="${base}/api/" />
        ${session ? html`<meta name="ferry-csrf" content="${session.csrfToken}" />` : ''}
        <title>${frame.title} · Ferry admin</title>
        <link rel="stylesheet" href="${base}/static/console.css" />
        <link rel="icon" href="${base}/static/favicon.svg" />
        <script src="${base}/static/console.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <span class="brand">Ferry admin</span>
          ${
            session
              ? html`<nav aria-label="Console">
                    <ul>
                      ${NAV.map(
                        ([key, label]) =>
                          html`<li>
                            <a href="${base}/${key}" ${key === frame.current ? html` aria-current="page"` : ''}
                              >${label}</a
                            >
                          </li>`,
                      )}
                    </ul>
                  </nav>
                  <form class="logout" data-api="logout" data-method="POST" data-then="login">
                    <span class="who">${session.jid}</span> <button type="submit">Log out</button>
                  </form>`
              : ''
          }
        </header>
        <main id="main" tabindex="-1">
          <h1>${frame.title}</h1>
          <p class="alert" role="alert" hidden></p>
          ${body}
        </main>
      </body>
    </html> `.text;
}
