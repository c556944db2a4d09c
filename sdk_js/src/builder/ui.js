// Shared bits of the builder chunk's own UI: a shadow-root host immune to the page's CSS,
// a tiny element factory (text only, never innerHTML), the POST helper and token reading.

var CSS = [
  ':host{all:initial}',
  '*{box-sizing:border-box;font:13px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;color:#111827}',
  '.panel{position:fixed;right:16px;bottom:16px;width:380px;max-height:70vh;overflow:auto;background:#fff;border:1px solid #d1d5db;border-radius:10px;box-shadow:0 10px 30px rgba(0,0,0,.2);padding:12px;pointer-events:auto}',
  '.bar{position:fixed;left:50%;top:8px;transform:translateX(-50%);background:#111827;color:#fff;border-radius:999px;padding:6px 8px 6px 14px;display:flex;gap:8px;align-items:center;pointer-events:auto;box-shadow:0 4px 14px rgba(0,0,0,.3)}',
  '.bar *{color:#fff}',
  'h2{font-weight:700;font-size:14px;margin:0 0 6px}',
  'p{margin:4px 0}',
  '.muted{color:#6b7280}',
  'ul{list-style:none;margin:6px 0;padding:0}',
  'li{display:flex;gap:6px;align-items:flex-start;padding:3px 0}',
  'code{font:12px ui-monospace,Menlo,Consolas,monospace;word-break:break-all}',
  '.n{margin-left:auto;white-space:nowrap;font-size:12px;color:#6b7280}',
  '.n.one{color:#047857;font-weight:600}',
  'fieldset{border:0;margin:6px 0;padding:0;display:flex;gap:10px;flex-wrap:wrap}',
  'legend{font-weight:600;padding:0;margin-bottom:2px}',
  'label{display:inline-flex;gap:4px;align-items:center;cursor:pointer}',
  '.row{display:flex;gap:6px;flex-wrap:wrap;margin-top:8px}',
  'button{border:1px solid #9ca3af;background:#fff;border-radius:7px;padding:5px 10px;cursor:pointer;font-weight:600}',
  'button.primary{background:#4f46e5;border-color:#4f46e5;color:#fff}',
  '.bar button{background:transparent;border-color:#6b7280}',
  'button:focus-visible,input:focus-visible{outline:2px solid #4f46e5;outline-offset:2px}',
  '.status{margin-top:6px;font-weight:600}',
  '.status.err{color:#b91c1c}',
  '.status.ok{color:#047857}',
  '.hl{position:fixed;pointer-events:none;border:2px solid #4f46e5;background:rgba(79,70,229,.12);border-radius:3px;display:none}',
  '.hl.chosen{border-color:#059669;background:rgba(5,150,105,.12)}',
  '.tip{position:fixed;pointer-events:none;background:#111827;color:#fff;font:12px ui-monospace,Menlo,monospace;padding:2px 6px;border-radius:4px;display:none;max-width:60vw;overflow:hidden;white-space:nowrap;text-overflow:ellipsis}',
].join('\n');

/**
 * A fixed host element with an open shadow root and our stylesheet.
 * @param {string} attr marker attribute of the host (data-shirube-builder / -preview)
 * @param {string} [nonce] for the <style> fallback under a strict CSP
 */
export function createHost(attr, nonce) {
  var el = document.createElement('div');
  el.setAttribute(attr, '');
  el.style.cssText = 'all:initial;position:fixed;top:0;left:0;width:0;height:0;z-index:2147483647;pointer-events:none';
  var root = el.attachShadow({ mode: 'open' });
  if (root.adoptedStyleSheets && typeof CSSStyleSheet === 'function') {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } else {
    var st = document.createElement('style');
    if (nonce) st.setAttribute('nonce', nonce);
    st.textContent = CSS;
    root.append(st);
  }
  document.body.append(el);
  return { el: el, root: root };
}

/**
 * h('button', {class: 'primary', 'data-testid': 'x', onclick: fn}, 'Save', child…)
 * Strings become text nodes; `on*` keys become listeners.
 */
export function h(name, props) {
  var el = document.createElement(name);
  for (var k in props || {}) {
    var v = props[k];
    if (v == null || v === false) continue;
    if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
    else if (k === 'checked' || k === 'disabled' || k === 'value') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (var i = 2; i < arguments.length; i++) {
    var c = arguments[i];
    if (c == null || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return el;
}

/** POST a JSON body as text/plain (no preflight); resolves {status, data}. */
export function post(host, path, body) {
  return fetch(host.replace(/\/+$/, '') + path, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
    credentials: 'omit',
  }).then(function (r) {
    return r.text().then(function (t) {
      var data = null;
      try { data = t ? JSON.parse(t) : null; } catch (e) { /* not JSON */ }
      return { status: r.status, data: data };
    });
  }, function () { return { status: 0, data: null }; });
}

/** The claims of a token (signed, not secret: shown to the author). */
export function claimsOf(token) {
  try {
    var p = String(token).split('.')[0].replace(/-/g, '+').replace(/_/g, '/');
    var bin = atob(p + '==='.slice((p.length + 3) % 4));
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    return {};
  }
}

/** The error message of an error body, or a generic one. */
export function errorText(r) {
  if (r.status === 0) return 'Network error: is the Shirube server reachable?';
  return (r.data && r.data.error && r.data.error.message) || 'HTTP ' + r.status;
}

/** Leave builder/preview mode: forget it for this tab and reload the page without the token. */
export function exitMode() {
  try { sessionStorage.removeItem('shirube_mode'); } catch (e) { /* storage off */ }
  location.replace(location.href.replace(/[#&]shirube-(builder|preview)=[\w.-]+/, ''));
}
