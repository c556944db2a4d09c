import test from 'node:test';
import assert from 'node:assert/strict';
import { holePath } from '../src/render/backdrop.js';

test('without a target the backdrop covers the viewport', () => {
  assert.equal(holePath(null), 'M0 0H99999V99999H0Z');
});

test('the cut-out is the target rect padded by 6px with rounded corners', () => {
  const d = holePath({ left: 100, top: 50, width: 80, height: 20 });
  assert.ok(d.startsWith('M0 0H99999V99999H0ZM100 44h'), d);
  // x = 94, y = 44, w = 92, h = 32, corner radius 6: the path closes where it started.
  assert.equal(d, 'M0 0H99999V99999H0ZM100 44h80a6 6 0 0 1 6 6v20a6 6 0 0 1 -6 6h-80a6 6 0 0 1 -6 -6v-20a6 6 0 0 1 6 -6Z');
});

test('the corner radius never exceeds half a tiny target', () => {
  const d = holePath({ left: 0, top: 0, width: 0, height: 0 });
  assert.match(d, /a6 6 /);
  const t = holePath({ left: 0, top: 0, width: -10, height: 2 });
  assert.match(t, /a1 1 /);
});
