import test from 'node:test';
import assert from 'node:assert/strict';
import { createDisposer } from '../src/disposer.js';
import { armTrigger } from '../src/triggers.js';

/** An EventTarget that counts live listeners. */
function countingTarget() {
  const t = new EventTarget();
  t.live = 0;
  const add = t.addEventListener.bind(t);
  const rm = t.removeEventListener.bind(t);
  const keys = new Set();
  t.addEventListener = (type, fn, o) => {
    const k = type + (o && o.capture ? 'c' : '');
    if (!keys.has(fn)) t.live++;
    keys.add(fn);
    add(type, fn, o);
    t._k = k;
  };
  t.removeEventListener = (type, fn, o) => {
    if (keys.delete(fn)) t.live--;
    rm(type, fn, o);
  };
  return t;
}

test('dispose removes listeners, clears timers and disconnects observers, once', async () => {
  const d = createDisposer();
  const t = countingTarget();
  let fired = 0;
  let disconnected = 0;
  d.listen(t, 'click', () => fired++, { capture: true });
  d.setTimeout(() => fired++, 5);
  d.setInterval(() => fired++, 5);
  d.observe({ disconnect: () => disconnected++ });
  assert.equal(t.live, 1);
  t.dispatchEvent(new Event('click'));
  assert.equal(fired, 1);
  d.dispose();
  d.dispose();
  assert.equal(d.disposed, true);
  assert.equal(t.live, 0);
  assert.equal(disconnected, 1);
  t.dispatchEvent(new Event('click'));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(fired, 1, 'no listener, timer or interval ran after dispose');
});

test('a cleanup that throws does not stop the others; add after dispose runs at once', () => {
  const d = createDisposer();
  const ran = [];
  d.add(() => ran.push('a'));
  d.add(() => { throw new Error('x'); });
  d.add(() => ran.push('c'));
  d.dispose();
  assert.deepEqual(ran, ['c', 'a'], 'last in, first out');
  d.add(() => ran.push('late'));
  assert.deepEqual(ran, ['c', 'a', 'late']);
});

test('100 arm/dispose cycles of click triggers leave no listener behind', () => {
  const doc = countingTarget();
  let fires = 0;
  for (let i = 0; i < 100; i++) {
    const d = createDisposer();
    armTrigger({ on: 'element_click', selector: '#x' }, { disposer: d, doc, fire: () => fires++, onEvent() {} });
    assert.equal(doc.live, 1);
    d.dispose();
  }
  assert.equal(doc.live, 0);
  assert.equal(fires, 0);
});

test('a click trigger fires once for a matching target, after delay_ms, and not after dispose', async () => {
  const doc = countingTarget();
  let fires = 0;
  const d = createDisposer();
  armTrigger({ on: 'element_click', selector: '.go', delay_ms: 10 }, { disposer: d, doc, fire: () => fires++, onEvent() {} });
  const click = (match) => {
    const e = new Event('click');
    Object.defineProperty(e, 'target', { value: { closest: (s) => (match && s === '.go' ? {} : null) } });
    doc.dispatchEvent(e);
  };
  click(false);
  click(true);
  click(true);
  assert.equal(fires, 0, 'delayed');
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(fires, 1);
  const d2 = createDisposer();
  armTrigger({ on: 'element_click', selector: '.go', delay_ms: 10 }, { disposer: d2, doc, fire: () => fires++, onEvent() {} });
  click(true);
  d2.dispose(); // route change before the delay ran out
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(fires, 1);
});
