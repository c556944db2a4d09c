import test from 'node:test';
import assert from 'node:assert/strict';
import { norm, pick } from '../src/render/target.js';

// A fake page: selector -> elements; each element {id, text, visible}.
const page = (map) => (sel) => {
  return map[sel] || [];
};
const vis = (e) => e.visible !== false;
const txt = (e) => e.text || '';
const find = (t, map) => {
  const r = pick(norm(t), page(map), vis, txt);
  return r && r.id;
};
const A = { id: 'a', text: 'New report' };
const B = { id: 'b', text: 'Old  report\n' };
const H = { id: 'h', text: 'New report', visible: false };

test('a plain string is one selector with normal strictness', () => {
  assert.deepEqual(norm('#x'), { selectors: ['#x'] });
  assert.equal(norm(null), null);
  assert.equal(norm({ text: 'x' }), null);
  assert.equal(find('#a', { '#a': [A] }), 'a');
});

test('normal: the first candidate (in selector order) that matches wins', () => {
  assert.equal(find({ selectors: ['#gone', '.b', '#a'] }, { '.b': [B], '#a': [A] }), 'b');
});

test('normal: the text, when given, must be contained (whitespace and case folded)', () => {
  const t = { selectors: ['.b', '.a'], text: 'new REPORT', strictness: 'normal' };
  assert.equal(find(t, { '.b': [B], '.a': [A] }), 'a');
  assert.equal(find({ selectors: ['.b'], text: 'old report' }, { '.b': [B] }), 'b');
  assert.equal(find({ selectors: ['.b'], text: 'nothing' }, { '.b': [B] }), null);
});

test('strict: the first selector must match exactly one element', () => {
  assert.equal(find({ selectors: ['.x', '#a'], strictness: 'strict' }, { '.x': [A, B], '#a': [A] }), null);
  assert.equal(find({ selectors: ['.x'], strictness: 'strict' }, { '.x': [A] }), 'a');
  assert.equal(find({ selectors: ['.x'], strictness: 'strict', text: 'old' }, { '.x': [A] }), null);
});

test('loose: the first candidate that matches anything, text ignored', () => {
  assert.equal(find({ selectors: ['.x'], text: 'zzz', strictness: 'loose' }, { '.x': [B] }), 'b');
});

test('hidden elements never count', () => {
  assert.equal(find({ selectors: ['.h', '.a'] }, { '.h': [H], '.a': [A] }), 'a');
  assert.equal(find({ selectors: ['.h'], strictness: 'strict' }, { '.h': [H] }), null);
});

test('no selectors: nothing', () => {
  assert.equal(find({ selectors: [] }, {}), null);
  assert.equal(find({ selectors: [], strictness: 'strict' }, {}), null);
});
