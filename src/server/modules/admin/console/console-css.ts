// The console's one stylesheet: readable on a phone (one column, tables scroll sideways), visible
// keyboard focus, and colours that keep 4.5:1 contrast.
export const CONSOLE_CSS = `
:root { --fg: #1b1f24; --muted: #57606a; --bg: #ffffff; --panel: #f6f8fa; --line: #d0d7de;
  --accent: #0b5cad; --danger: #b3261e; --focus: #f0b400; font-family: system-ui, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); line-height: 1.45; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 0.5rem; top: 0.5rem; background: var(--bg); padding: 0.5rem; z-index: 1; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1rem; padding: 0.5rem 1rem;
  background: var(--panel); border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; }
nav ul { display: flex; flex-wrap: wrap; gap: 0.25rem 0.75rem; list-style: none; margin: 0; padding: 0; }
nav a { color: var(--accent); padding: 0.25rem 0; display: inline-block; }
nav a[aria-current="page"] { font-weight: 700; color: var(--fg); }
.logout { margin-left: auto; }
.who { color: var(--muted); }
main { padding: 1rem; max-width: 72rem; margin: 0 auto; }
main:focus { outline: none; }
h1 { font-size: 1.5rem; margin: 0.25rem 0 1rem; }
h2 { font-size: 1.15rem; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 0.75rem 1rem; margin-bottom: 1rem; }
.login { max-width: 24rem; }
label { display: block; font-weight: 600; margin-bottom: 0.2rem; }
input, select, button { font: inherit; padding: 0.4rem 0.6rem; border: 1px solid var(--line); border-radius: 4px; min-height: 2.5rem; }
input[type="text"], input[type="password"] { width: 100%; max-width: 22rem; }
button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
button.danger { background: var(--danger); border-color: var(--danger); }
button[disabled] { opacity: 0.6; cursor: progress; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
form.inline { display: flex; flex-wrap: wrap; align-items: flex-end; gap: 0.5rem; margin: 0.25rem 0; }
form.inline p { margin: 0; }
form.inline label.visually-hidden + input { width: 12rem; }
.suffix { color: var(--muted); margin-left: 0.25rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.4rem 0.5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { background: var(--panel); }
td.actions { min-width: 18rem; }
.badge { font-size: 0.8rem; background: var(--accent); color: #fff; border-radius: 3px; padding: 0 0.3rem; }
.totals, .settings { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: 0.5rem 1rem; }
.totals dt, .settings dt { color: var(--muted); font-size: 0.9rem; }
.totals dd, .settings dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
.alert { border: 1px solid var(--danger); color: var(--danger); padding: 0.5rem 0.75rem; border-radius: 4px; }
.alert.ok { border-color: var(--accent); color: var(--accent); }
.state, .hint { color: var(--muted); }
.logs code { font-size: 0.85rem; overflow-wrap: anywhere; }
tr.level-warn td:nth-child(2) { color: #8a5300; font-weight: 600; }
tr.level-error td:nth-child(2), tr.level-fatal td:nth-child(2) { color: var(--danger); font-weight: 700; }
output { margin-left: 0.5rem; }
@media (max-width: 40rem) {
  .logout { margin-left: 0; }
  main { padding: 0.75rem; }
  .totals, .settings { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  /* Tables with actions become one card per row: nothing to scroll sideways for. */
  table.stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.stack tr { display: block; border-bottom: 1px solid var(--line); padding: 0.5rem 0; }
  table.stack th, table.stack td { display: block; border: 0; padding: 0.15rem 0; }
  table.stack td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); }
  td.actions { min-width: 0; }
}
`;
