import test from 'node:test';
import assert from 'node:assert/strict';
import { place } from '../src/render/place.js';

const rect = (left, top, width, height) => ({ left, top, width, height, right: left + width, bottom: top + height });
const W = 1000;
const H = 800;

test('each side: 12px away from the target, centred on it, arrow at its centre', () => {
  const r = rect(400, 300, 100, 40); // centre 450, 320
  assert.deepEqual(place(r, 200, 100, W, H, 'bottom'), { x: 350, y: 352, p: 'bottom', ax: 95, ay: null });
  assert.deepEqual(place(r, 200, 100, W, H, 'top'), { x: 350, y: 188, p: 'top', ax: 95, ay: null });
  assert.deepEqual(place(r, 200, 100, W, H, 'left'), { x: 188, y: 270, p: 'left', ax: null, ay: 45 });
  assert.deepEqual(place(r, 200, 100, W, H, 'right'), { x: 512, y: 270, p: 'right', ax: null, ay: 45 });
});

test('start/end align the card with the target edge and are kept in the placement', () => {
  const r = rect(400, 300, 100, 40);
  assert.deepEqual(place(r, 200, 100, W, H, 'bottom-start'), { x: 400, y: 352, p: 'bottom-start', ax: 45, ay: null });
  assert.deepEqual(place(r, 200, 100, W, H, 'bottom-end'), { x: 300, y: 352, p: 'bottom-end', ax: 145, ay: null });
  assert.equal(place(r, 200, 100, W, H, 'right-end').y, 240);
});

test('no room on the wanted side: the opposite side', () => {
  assert.equal(place(rect(400, 760, 100, 30), 200, 100, W, H, 'bottom').p, 'top');
  assert.equal(place(rect(400, 10, 100, 30), 200, 100, W, H, 'top').p, 'bottom');
  assert.equal(place(rect(960, 300, 30, 30), 200, 100, W, H, 'right').p, 'left');
  assert.equal(place(rect(10, 300, 30, 30), 200, 100, W, H, 'left-start').p, 'right-start');
});

test('no room on either side: the other axis, end side first (a narrow phone)', () => {
  // 360px wide: a 300px card fits neither left nor right of a centred target
  const r = rect(150, 300, 60, 30);
  assert.equal(place(r, 300, 100, 360, 800, 'right').p, 'bottom');
  assert.equal(place(r, 300, 100, 360, 800, 'left').p, 'bottom');
  // and no room below either: above
  assert.equal(place(rect(150, 700, 60, 30), 300, 100, 360, 800, 'left').p, 'top');
});

test('beside a target taller than the viewport when there is room there', () => {
  assert.equal(place(rect(300, -50, 200, 900), 200, 100, W, H, 'bottom').p, 'right');
});

test('a top/bottom card that fits nowhere stays below (least overflow, wanted first), shifted on screen', () => {
  const p = place(rect(0, -50, 1000, 900), 200, 100, W, H, 'bottom');
  assert.equal(p.p, 'bottom');
  assert.equal(p.y, H - 8 - 100);
});

test('shift keeps the card 8px inside the viewport on both axes; the arrow still points at the target', () => {
  const p = place(rect(5, 300, 20, 20), 200, 100, W, H, 'bottom'); // centred would start at x = -85
  assert.equal(p.x, 8);
  assert.equal(p.ax, 8); // target centre 15 - 8 - 5 = 2, clamped to the 8px corner padding
  const q = place(rect(400, -40, 100, 4000), 200, 100, W, H, 'right'); // a target taller than the viewport
  assert.equal(q.p, 'right');
  assert.ok(q.y >= 8 && q.y + 100 <= H - 8, String(q.y));
  assert.ok(q.ay >= 8 && q.ay <= 100 - 8 - 10, String(q.ay));
});

test('an unknown placement falls back to bottom', () => {
  assert.equal(place(rect(400, 300, 100, 40), 200, 100, W, H, 'middle').p, 'bottom');
  assert.equal(place(rect(400, 300, 100, 40), 200, 100, W, H, null).p, 'bottom');
});
