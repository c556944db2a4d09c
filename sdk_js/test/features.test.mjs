// Feature click-rule matching (src/features.js) on a tiny fake tree: each node lists the
// selectors it matches, so closest() needs no CSS engine (real selectors: tests/e2e).
import test from 'node:test';
import assert from 'node:assert/strict';
import { compileFeatures, featuresHit } from '../src/features.js';

function node(sels, text, parent) {
  const n = { is: new Set(sels), text, parentElement: parent || null };
  n.closest = (list) => {
    for (let a = n; a; a = a.parentElement) if (list.split(',').some((s) => a.is.has(s))) return a;
    return null;
  };
  n.matches = (list) => list.split(',').some((s) => n.is.has(s));
  Object.defineProperty(n, 'textContent', { get: () => n.text });
  return n;
}

const click = (t) => ({ kind: 'click', target: typeof t == 'string' ? { selectors: [t] } : t });
const valid = (s) => !s.includes('!');
const one = () => 1;

// <li .row> <button [data-action=export]> <span icon/> Export </button> </li>
const row = node(['li', '.row'], 'Export  CSV ');
const button = node(['button', '[data-action=export]', '#export'], 'Export  CSV ', row);
const icon = node(['span'], '', button);
const other = node(['button'], 'Delete', row);

test('a click on the target or inside it matches; elsewhere nothing', () => {
  const c = compileFeatures([{ key: 'export-csv', rules: [click({ selectors: ['[data-action=export]'], text: 'export csv', strictness: 'normal' })] }], valid);
  assert.deepEqual(featuresHit(c, icon, one), [{ key: 'export-csv', rule: 0 }]);
  assert.deepEqual(featuresHit(c, button, one), [{ key: 'export-csv', rule: 0 }]);
  assert.deepEqual(featuresHit(c, other, one), []);
  assert.deepEqual(featuresHit(c, row, one), []);
});

test('one entry per feature however many of its rules match; rule is the delivered index', () => {
  const c = compileFeatures([
    { key: 'reports', rules: [{ kind: 'url', url: { match: 'prefix', value: '/r' } }, click('#export'), click('.row')] },
    { key: 'rows', rules: [click('li')] },
  ], valid);
  assert.deepEqual(featuresHit(c, icon, one), [{ key: 'reports', rule: 1 }, { key: 'rows', rule: 0 }]);
  assert.deepEqual(featuresHit(c, other, one), [{ key: 'reports', rule: 2 }, { key: 'rows', rule: 0 }]);
});

test('normal strictness needs the text; loose ignores it; candidates are tried in order', () => {
  const rule = (strictness, text) => compileFeatures([{ key: 'f', rules: [click({ selectors: ['#nope', 'button'], text, strictness })] }], valid);
  assert.equal(featuresHit(rule('normal', 'delete'), other, one).length, 1);
  assert.equal(featuresHit(rule('normal', 'delete'), icon, one).length, 0);
  assert.equal(featuresHit(rule('loose', 'delete'), icon, one).length, 1);
  assert.equal(featuresHit(rule(undefined, null), icon, one).length, 1, 'no strictness = normal, no text = any');
});

test('strict uses only the first selector and needs it to match exactly one element', () => {
  const c = compileFeatures([{ key: 'f', rules: [click({ selectors: ['button', '#export'], strictness: 'strict' })] }], valid);
  assert.equal(featuresHit(c, icon, (s) => (s == 'button' ? 2 : 1)).length, 0, 'two buttons on the page');
  assert.equal(featuresHit(c, icon, () => 1).length, 1);
  assert.equal(c.any, 'button', 'the fallbacks are not used');
});

test('the text check walks out to an outer ancestor matching the same selector', () => {
  const outer = node(['.card'], 'Billing plan');
  const inner = node(['.card'], 'plan', outer);
  const leaf = node(['b'], 'plan', inner);
  const c = compileFeatures([{ key: 'billing', rules: [click({ selectors: ['.card'], text: 'billing' })] }], valid);
  assert.deepEqual(featuresHit(c, leaf, one), [{ key: 'billing', rule: 0 }]);
});

test('invalid selectors, url rules and empty input are skipped; nothing tagged costs nothing', () => {
  assert.deepEqual(compileFeatures(), { any: '', list: [] });
  const c = compileFeatures([{ key: 'f', rules: [click('bad!'), { kind: 'url', url: { match: 'exact', value: '/' } }] }], valid);
  assert.equal(c.any, '');
  let asked = 0;
  const spy = { closest: () => (asked++, null) };
  assert.deepEqual(featuresHit(c, spy, one), []);
  assert.equal(asked, 0);
  const d = compileFeatures([{ key: 'f', rules: [click('#export')] }, { key: 'g', rules: [click('.row')] }], valid);
  assert.equal(d.any, '#export,.row');
  assert.deepEqual(featuresHit(d, spy, one), []);
  assert.equal(asked, 1, 'one closest() for a click on nothing tagged');
});
