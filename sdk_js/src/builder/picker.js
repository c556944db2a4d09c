// Builder mode: highlight the element under the cursor, and on click show the selectors
// that would be stored (with how many elements each matches), the text, the strictness;
// Save posts the target to /api/sdk/v1/builder/target with the builder token, or, for a
// token of scope "feature", to /api/sdk/v1/builder/feature-target (a feature's click rule).

import { createDisposer } from '../disposer.js';
import { candidates, labelText } from './selectors.js';
import { claimsOf, createHost, errorText, exitMode, h, post } from './ui.js';

var STRICTNESS = [
  ['strict', 'Strict', 'the first selector must match exactly one element'],
  ['normal', 'Normal', 'the first selector that matches, containing the text'],
  ['loose', 'Loose', 'the first selector that matches anything'],
];

function count(sel) {
  try {
    return document.querySelectorAll(sel).length;
  } catch (e) {
    return 0;
  }
}

function describe(el) {
  var id = el.id ? '#' + el.id : '';
  var cls = (el.getAttribute('class') || '').trim().split(/\s+/).filter(Boolean).slice(0, 2).map(function (c) { return '.' + c; }).join('');
  return el.tagName.toLowerCase() + id + cls;
}

/**
 * Start the picker.
 * @param {{token: string, host: string, key: string, nonce?: string, log: any}} o
 * @returns {{destroy: () => void, choose: (el: Element) => void}} choose: pick an element (tests)
 */
export function startPicker(o) {
  var d = createDisposer();
  var claims = claimsOf(o.token);
  var host = createHost('data-shirube-builder', o.nonce);
  d.add(function () { host.el.remove(); });
  var hl = h('div', { class: 'hl', 'data-testid': 'shirube-builder-highlight' });
  var tip = h('div', { class: 'tip' });
  var panel = h('div', { class: 'panel', role: 'dialog', 'aria-label': 'Shirube builder', 'data-testid': 'shirube-builder-panel' });
  host.root.append(hl, tip, panel);
  var picking = true;
  var chosen = null;
  var hover = null;
  var frame = 0;

  var ours = function (e) {
    var path = e.composedPath ? e.composedPath() : [e.target];
    return path.indexOf(host.el) >= 0;
  };

  function place(el, box, label) {
    if (!el || !el.isConnected) {
      box.style.display = 'none';
      tip.style.display = 'none';
      return;
    }
    var r = el.getBoundingClientRect();
    box.style.cssText = 'display:block;left:' + r.left + 'px;top:' + r.top + 'px;width:' + r.width + 'px;height:' + r.height + 'px';
    if (label) {
      tip.textContent = label;
      tip.style.cssText = 'display:block;left:' + Math.max(0, r.left) + 'px;top:' + Math.max(0, r.top - 22) + 'px';
    } else tip.style.display = 'none';
  }

  function redraw() {
    frame = 0;
    place(chosen || hover, hl, chosen ? '' : hover && describe(hover));
    hl.className = chosen ? 'hl chosen' : 'hl';
  }
  var later = function () { if (!frame) frame = requestAnimationFrame(redraw); };
  d.add(function () { if (frame) cancelAnimationFrame(frame); });

  // While picking, the page must not react to the author's clicks (menus, links, forms).
  var block = function (e) {
    if (!picking || ours(e)) return;
    e.preventDefault();
    e.stopPropagation();
    if (e.stopImmediatePropagation) e.stopImmediatePropagation();
  };
  ['pointerdown', 'mousedown', 'pointerup', 'mouseup', 'submit'].forEach(function (t) { d.listen(document, t, block, true); });
  d.listen(document, 'mousemove', function (e) {
    if (!picking || ours(e)) return;
    hover = e.target && e.target.nodeType === 1 ? e.target : null;
    later();
  }, true);
  d.listen(document, 'click', function (e) {
    if (!picking || ours(e)) return;
    block(e);
    if (e.target && e.target.nodeType === 1) choose(e.target);
  }, true);
  d.listen(document, 'keydown', function (e) {
    if (e.key === 'Escape' && chosen) {
      chosen = null;
      picking = true;
      render();
      later();
    }
  }, true);
  d.listen(window, 'scroll', later, true);
  d.listen(window, 'resize', later);

  var forFeature = claims.scope === 'feature';
  var ruleName = claims.rule === 'new' ? 'a new click rule' : 'click rule ' + ((claims.rule | 0) + 1);

  function header() {
    return [
      h('h2', null, 'Shirube builder'),
      forFeature
        ? h('p', { class: 'muted' }, 'Feature ', h('code', null, String(claims.feature || '?')), ', ' + ruleName)
        : h('p', { class: 'muted' }, 'Guide ', h('code', null, String(claims.guide || '?')), ', step ' + ((claims.step | 0) + 1)),
    ];
  }

  function controls() {
    return h('div', { class: 'row' },
      h('button', {
        type: 'button', 'data-testid': 'shirube-builder-toggle',
        onclick: function () { picking = !picking; chosen = null; hover = null; render(); later(); },
      }, picking ? 'Pause picking (use the app)' : 'Resume picking'),
      h('button', { type: 'button', 'data-testid': 'shirube-builder-exit', onclick: function () { d.dispose(); exitMode(); } }, 'Exit builder'));
  }

  function render() {
    panel.replaceChildren();
    header().forEach(function (x) { panel.append(x); });
    if (!chosen) {
      panel.append(h('p', null, picking ? 'Hover an element and click it to choose it.' : 'Picking is paused: the app works normally.'), controls());
      return;
    }
    var cands = candidates(chosen, count);
    var text = labelText(chosen.innerText != null ? chosen.innerText : chosen.textContent);
    var list = h('ul', { 'aria-label': 'Selectors, tried in this order' });
    var boxes = cands.map(function (c) {
      var box = h('input', { type: 'checkbox', checked: true, 'data-testid': 'shirube-builder-use', 'aria-label': 'Use ' + c.selector });
      list.append(h('li', { 'data-testid': 'shirube-builder-candidate', 'data-selector': c.selector, 'data-count': String(c.count), 'data-kind': c.kind },
        box, h('code', null, c.selector),
        h('span', { class: c.count === 1 ? 'n one' : 'n' }, c.kind + ' · ' + (c.count === 1 ? 'unique' : c.count + ' matches'))));
      return box;
    });
    var useText = h('input', { type: 'checkbox', checked: !!text, disabled: !text, 'data-testid': 'shirube-builder-text' });
    var strict = h('fieldset', null, h('legend', null, 'Strictness'));
    STRICTNESS.forEach(function (s) {
      strict.append(h('label', { title: s[2] }, h('input', { type: 'radio', name: 'shirube-strictness', value: s[0], checked: s[0] === 'normal', 'data-testid': 'shirube-builder-strictness-' + s[0] }), s[1]));
    });
    var status = h('p', { class: 'status', role: 'status', 'data-testid': 'shirube-builder-status' });
    var save = h('button', { type: 'button', class: 'primary', 'data-testid': 'shirube-builder-save' }, 'Save target');
    save.addEventListener('click', function () {
      var selectors = cands.filter(function (c, i) { return boxes[i].checked; }).map(function (c) { return c.selector; });
      var mode = strict.querySelector('input:checked').value;
      if (!selectors.length) return say('Choose at least one selector.', 'err');
      if (mode === 'strict' && count(selectors[0]) !== 1) return say('Strict needs a first selector that matches exactly one element.', 'err');
      var target = { selectors: selectors, strictness: mode };
      if (useText.checked && text) target.text = text;
      save.disabled = true;
      say('Saving…', '');
      var req = forFeature
        ? post(o.host, '/api/sdk/v1/builder/feature-target', { key: o.key, token: o.token, rule: claims.rule, target: target, url: location.href })
        : post(o.host, '/api/sdk/v1/builder/target', { key: o.key, token: o.token, step: claims.step, target: target, url: location.href });
      req.then(function (r) {
        save.disabled = false;
        if (r.status !== 200) say(errorText(r), 'err');
        else if (forFeature) say('Saved to feature "' + claims.feature + '" (click rule ' + ((r.data && r.data.rule) + 1) + '); it counts clicks from now on.', 'ok');
        else say('Saved to step ' + ((claims.step | 0) + 1) + '. Back in the admin, reload the step to see it.', 'ok');
      });
    });
    function say(msg, kind) {
      status.textContent = msg;
      status.className = 'status ' + kind;
    }
    panel.append(
      h('p', null, 'Chosen: ', h('code', null, describe(chosen))),
      list,
      h('label', null, useText, text ? 'Also match the text "' + text + '"' : 'No short text to match'),
      strict,
      h('div', { class: 'row' }, save,
        h('button', { type: 'button', 'data-testid': 'shirube-builder-again', onclick: function () { chosen = null; picking = true; render(); later(); } }, 'Pick another')),
      status, controls());
  }

  function choose(el) {
    chosen = el;
    picking = false;
    render();
    later();
  }

  render();
  o.log(forFeature ? 'builder mode for feature "' + claims.feature + '" rule ' + claims.rule
    : 'builder mode for guide "' + claims.guide + '" step ' + claims.step);
  return { destroy: d.dispose, choose: choose };
}
