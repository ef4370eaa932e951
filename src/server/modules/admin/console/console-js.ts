// The console's one script, served as a file (the CSP allows no inline script). It sends the
// pages' forms to the JSON API with the session's CSRF token, and refreshes the dashboard's live
// tables every 2 s. Plain ES2020, no build step; every request has a 10 s timeout.
export const CONSOLE_JS = String.raw`'use strict';
(function () {
  var meta = function (name) {
    var element = document.querySelector('meta[name="' + name + '"]');
    return element ? element.getAttribute('content') : null;
  };
  var api = meta('ferry-api');
  var csrf = meta('ferry-csrf');
  var base = api.replace(/api\/$/, '');
  var alertBox = document.querySelector('.alert');

  function say(text, isOk) {
    if (!alertBox) return;
    alertBox.textContent = text;
    alertBox.classList.toggle('ok', Boolean(isOk));
    alertBox.hidden = !text;
  }

  function call(method, path, body) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, 10000);
    var headers = { accept: 'application/json' };
    if (csrf) headers['x-csrf-token'] = csrf;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(api + path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal: controller.signal,
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (response.status === 401 && path !== 'login') window.location.assign(base + 'login');
        if (!response.ok) throw new Error(json.error && json.error.message ? json.error.message : 'HTTP ' + response.status);
        return json;
      });
    }, function () {
      throw new Error('no answer from the server');
    }).finally(function () { clearTimeout(timer); });
  }

  function fields(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      if (element.name && element.tagName !== 'BUTTON') out[element.name] = element.value;
    });
    return out;
  }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!form.hasAttribute('data-api')) return;
    event.preventDefault();
    var question = form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) return;
    var method = form.getAttribute('data-method') || 'POST';
    var button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    say('');
    call(method, form.getAttribute('data-api'), method === 'DELETE' ? undefined : fields(form))
      .then(function (result) {
        var then = form.getAttribute('data-then');
        if (then === 'reload') window.location.reload();
        else if (then === 'dashboard') window.location.assign(base + 'dashboard');
        else if (then === 'login') window.location.assign(base + 'login');
        else if (then === 'result') {
          var output = form.querySelector('output');
          if (output) output.textContent = result.ok ? 'reachable' : 'not reachable: ' + result.reason;
        }
      })
      .catch(function (error) {
        say(error.message);
        var focusable = form.querySelector('input:not([type="hidden"])') || button;
        if (focusable) focusable.focus();
      })
      .finally(function () { if (button) button.disabled = false; });
  });

  // The dashboard: poll the live view; the next poll is scheduled when this one has ended.
  var live = document.querySelector('[data-live="status"]');
  if (!live) return;

  function bytes(n) {
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    var unit = 0;
    while (n >= 1024 && unit < units.length - 1) { n /= 1024; unit += 1; }
    return unit === 0 ? n + ' B' : n.toFixed(1) + ' ' + units[unit];
  }
  function time(value) {
    var date = new Date(value);
    return isNaN(date.getTime()) ? '' : date.toISOString().slice(0, 19).replace('T', ' ') + ' UTC';
  }
  function rows(selector, items, cells) {
    var body = document.querySelector(selector);
    if (!body) return;
    var fragment = document.createDocumentFragment();
    items.forEach(function (item) {
      var row = document.createElement('tr');
      cells(item).forEach(function (text) {
        var cell = document.createElement('td');
        cell.textContent = text;
        row.appendChild(cell);
      });
      fragment.appendChild(row);
    });
    body.replaceChildren(fragment);
  }
  var state = document.querySelector('[data-live-state]');

  function refresh() {
    Promise.all([call('GET', 'status'), call('GET', 'sessions'), call('GET', 'transfers')])
      .then(function (answers) {
        var status = answers[0];
        var values = Object.assign({}, status, status.totals);
        live.querySelectorAll('[data-field]').forEach(function (element) {
          var value = values[element.getAttribute('data-field')];
          var format = element.getAttribute('data-format');
          element.textContent = value === undefined ? '–' : format === 'bytes' ? bytes(value) : format === 'time' ? time(value) : String(value);
        });
        rows('[data-live="sessions"]', answers[1].sessions, function (s) {
          return [s.jid, s.address, s.transport, s.tls ? 'yes' : 'no', time(s.since)];
        });
        rows('[data-live="transfers"]', answers[2].transfers, function (t) {
          return [t.method, t.from || '', t.to || '', bytes(t.bytes) + (t.size === undefined ? '' : ' / ' + bytes(t.size)), bytes(t.bytesPerSecond) + '/s', time(t.since)];
        });
        if (state) state.hidden = true;
      })
      .catch(function () {
        if (state) state.hidden = false;
      })
      .finally(function () { setTimeout(refresh, 2000); });
  }
  setTimeout(refresh, 2000);
})();
`;

/** A ferry's hull, so browsers stop asking for /favicon.ico. */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M1 9h14l-2 4H3z" fill="#0b5cad"/>' +
  '<rect x="5" y="5" width="6" height="4" fill="#1b1f24"/></svg>';
