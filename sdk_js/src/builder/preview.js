// Preview mode: fetch the guide the admin asked to preview (draft or version, compiled by
// the server exactly as for bootstrap) and show it through the normal renderer, like
// show(): no frequency, no throttle, no URL rule, no audience. Nothing is sent: events
// are only logged in debug mode, so previews never touch metrics or the user's state.
// A multi-page tour resumes on the page where its next step lives (the tab remembers).

import { createDisposer } from '../disposer.js';
import { uiStrings } from '../i18n.js';
import { localizeGuide } from '../locale.js';
import { matchUrl } from '../url.js';
import { createHost, errorText, exitMode, h, post } from './ui.js';

var STEP_KEY = 'shirube_preview_step';

function remembered() {
  try {
    return JSON.parse(sessionStorage.getItem(STEP_KEY)) || null;
  } catch (e) {
    return null;
  }
}

function remember(v) {
  try {
    if (v == null) sessionStorage.removeItem(STEP_KEY);
    else sessionStorage.setItem(STEP_KEY, JSON.stringify(v));
  } catch (e) { /* storage off */ }
}

/**
 * @param {{token: string, host: string, key: string, nonce?: string, log: any,
 *   render: Function}} o render: the SDK's createRenderer
 * @returns {Promise<{destroy: () => void}>}
 */
export function startPreview(o) {
  var d = createDisposer();
  var host = createHost('data-shirube-preview', o.nonce);
  d.add(function () { host.el.remove(); });
  var label = h('span', { 'data-testid': 'shirube-preview-label' }, 'Shirube preview: loading…');
  var bar = h('div', { class: 'bar', role: 'region', 'aria-label': 'Shirube preview', 'data-testid': 'shirube-preview-bar' }, label);
  host.root.append(bar);
  var api = { destroy: d.dispose };
  return post(o.host, '/api/sdk/v1/preview', { key: o.key, token: o.token }).then(function (r) {
    if (r.status !== 200 || !r.data || !r.data.guide) {
      label.textContent = 'Shirube preview failed: ' + errorText(r);
      bar.append(h('button', { type: 'button', onclick: exitMode }, 'Exit preview'));
      return api;
    }
    var data = r.data;
    var user = data.user || {};
    var traits = user.traits || {};
    var settings = data.settings || {};
    var theme = settings.theme || {};
    var loc = localizeGuide(data.guide, [traits.locale, navigator.language].filter(Boolean));
    var g = loc.guide;
    var renderer = o.render({ theme: theme, nonce: o.nonce, zIndex: theme.z_index || 2147483000, log: o.log });
    var ctrl = null;
    var pausedAt = null;
    d.add(function () { if (ctrl) ctrl.destroy(); renderer.destroyAll(); });
    var saved = remembered();
    if (saved && saved.token === o.token) pausedAt = saved.step;

    function open(step) {
      if (ctrl) ctrl.destroy();
      pausedAt = null;
      remember(null);
      ctrl = renderer.show(g, {
        startStep: step,
        strings: uiStrings(loc.lang),
        targetWaitMs: settings.target_wait_ms || 5000,
        done: [],
        emit: function (type, ev) {
          o.log('preview (not sent): ' + type, ev);
          if (type === '__pause') {
            ctrl = null;
            pausedAt = ev.step;
            remember({ token: o.token, step: ev.step });
          }
        },
        onEnd: function (reason) {
          ctrl = null;
          o.log('preview ended: ' + reason);
        },
      });
    }

    // The next step of a multi-page tour lives on another page: open it when we get there.
    d.setInterval(function () {
      var s = pausedAt != null && g.steps[pausedAt];
      if (s && matchUrl(s.url, location.href)) open(pausedAt);
    }, 300);

    label.textContent = 'Preview: ' + (g.name || g.key) + ' as ' + (user.id || 'a new user') +
      (data.audience && data.audience.passed === false ? ' (outside its audience)' : '') + ' · nothing is recorded';
    bar.append(
      h('button', { type: 'button', 'data-testid': 'shirube-preview-restart', onclick: function () { open(0); } }, 'Restart'),
      h('button', { type: 'button', 'data-testid': 'shirube-preview-exit', onclick: function () { d.dispose(); remember(null); exitMode(); } }, 'Exit preview'));
    var first = pausedAt != null ? pausedAt : 0;
    var s0 = g.steps[first];
    if (!s0 || matchUrl(s0.url, location.href)) open(first);
    else pausedAt = first;
    return api;
  });
}
