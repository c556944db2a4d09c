import test from 'node:test';
import assert from 'node:assert/strict';
import { candidates, isHashed, labelText, stableClasses, structuralPath } from '../src/builder/selectors.js';
import { doc, h } from './builder-fakedom.mjs';

function page() {
  const target = h('button', { class: 'Button_root__x7Ab2 css-1a2b3c btn btn-primary active', 'data-testid': 'new-report', id: 'new-report' }, 'New report');
  const plain = h('button', { class: 'Button_root__x7Ab2 btn' }, 'Export');
  const nested = h('span', { class: 'sc-bdVaJa kGxQfH' }, 'deep');
  const html = h('html', {},
    h('body', {},
      h('header', { 'data-section': 'top' }, h('a', { class: 'logo' }, 'Acme')),
      h('main', {},
        h('div', { class: 'toolbar' }, target, plain),
        h('div', { class: 'toolbar' }, h('button', { class: 'btn' }, 'Cancel'), h('p', {}, nested)),
      ),
    ),
  );
  return { d: doc(html), target, plain, nested };
}

test('hashed class names of CSS modules, emotion, styled-components and ids with counters are recognised', () => {
  for (const n of ['Button_root__x7Ab2', 'css-1a2b3c', 'sc-bdVaJa', 'kGxQfH', 'jsx-1234', 'ember123', ':r1:', 'hover:bg-red', 'w-[32px]', 'Button-module__root___x7Ab2']) {
    assert.equal(isHashed(n), true, n);
  }
  for (const n of ['btn', 'btn-primary', 'card__title', 'toolbar', 'col-md-6', 'mt-4', 'new-report', 'btnPrimary', 'grid-cols-12']) {
    assert.equal(isHashed(n), false, n);
  }
});

test('data-* attributes come first, then the id, then stable classes, then a structural path', () => {
  const { d, target } = page();
  const c = candidates(target, (s) => d.count(s));
  assert.deepEqual(c.map((x) => x.kind), ['data', 'id', 'class', 'path']);
  assert.equal(c[0].selector, '[data-testid="new-report"]');
  assert.equal(c[1].selector, '#new-report');
  for (const x of c) {
    assert.equal(x.count, d.count(x.selector), x.selector);
    assert.ok(d.querySelectorAll(x.selector).includes(target), x.selector + ' must match the element');
  }
});

test('hashed and state classes are never used in a selector', () => {
  const { d, target, plain } = page();
  assert.deepEqual(stableClasses(target), ['btn', 'btn-primary']);
  for (const el of [target, plain]) {
    for (const x of candidates(el, (s) => d.count(s))) {
      assert.ok(!/x7Ab2|css-1a2b3c|\.active/.test(x.selector), x.selector);
    }
  }
  const cls = candidates(target, (s) => d.count(s)).find((x) => x.kind === 'class');
  assert.equal(cls.selector, 'button.btn-primary');
  assert.equal(cls.count, 1);
});

test('the structural path is unique and made of nth-of-type steps from an anchor or body', () => {
  const { d, plain, nested } = page();
  for (const el of [plain, nested]) {
    const path = structuralPath(el, (s) => d.count(s));
    assert.deepEqual(d.querySelectorAll(path), [el], path);
    assert.match(path, /^body > main:nth-of-type\(1\) > div:nth-of-type\(\d\) > /);
  }
  const c = candidates(nested, (s) => d.count(s));
  assert.deepEqual(c.map((x) => x.kind), ['path'], 'only hashed classes: the path alone');
});

test('a non-unique class is also offered scoped to the nearest unique ancestor', () => {
  const item = (label) => h('li', { class: 'item' }, label);
  const html = h('html', {}, h('body', {},
    h('ul', { 'data-list': 'menu' }, item('One'), item('Two')),
    h('ul', { 'data-list': 'other' }, item('Three')),
  ));
  const d = doc(html);
  const two = html.children[0].children[0].children[1];
  const c = candidates(two, (s) => d.count(s));
  assert.deepEqual(c.map((x) => [x.selector, x.count]), [
    ['li.item', 3],
    ['[data-list="menu"] li.item', 2],
    ['[data-list="menu"] > li:nth-of-type(2)', 1],
  ]);
});

test('attributes holding state or ids of records are skipped; quotes are escaped', () => {
  const el = h('a', { 'data-state': 'open', 'data-v-7ba5bd90': '', 'data-row': 'a1b2c3d4-1111-2222', 'data-label': 'say "hi"' }, 'x');
  const d = doc(h('html', {}, h('body', {}, el)));
  const sels = candidates(el, (s) => d.count(s)).map((x) => x.selector);
  assert.equal(sels[0], '[data-label="say \\"hi\\""]');
  assert.ok(!sels.some((s) => /data-state|data-v-|data-row/.test(s)), sels.join(' | '));
});

test('labelText squashes whitespace and drops long texts', () => {
  assert.equal(labelText('  New\n   report '), 'New report');
  assert.equal(labelText('x'.repeat(81)), '');
});
