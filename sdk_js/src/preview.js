// Builder and preview mode (docs/builder.md): the admin opens the app with a signed token
// in the URL fragment, #shirube-builder=… or #shirube-preview=…; the tab remembers it in
// sessionStorage while the author browses. In that mode the core lazy-loads the builder
// chunk and does not bootstrap (no live guides over the picker or the preview).

import { loadScript } from './script.js';

/**
 * Detect the mode and load /sdk/v1/shirube-builder.js, which defines window.__shirubeExt.
 * @param {string} host the Shirube server
 * @param {{key: string, nonce?: string, log: any, render: Function}} o handed to the chunk
 * @returns {boolean} true in builder or preview mode
 */
export function extension(host, o) {
  var h = /[#&]shirube-(builder|preview)=([\w.-]+)/.exec(location.hash);
  var m = h && h.slice(1); // [mode, token]
  try {
    m = m || JSON.parse(sessionStorage.getItem('shirube_mode'));
    if (m) sessionStorage.setItem('shirube_mode', JSON.stringify(m));
  } catch (e) { /* storage off: this page only */ }
  if (!m || !m[1]) return false;
  loadScript(host, 'builder', o.nonce).then(
    () => window.__shirubeExt && window.__shirubeExt({ mode: m[0], token: m[1], host: host, ...o }),
    () => {}, // not loaded: nothing to show, nothing to tell the page
  );
  return true;
}
