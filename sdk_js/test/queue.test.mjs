import test from 'node:test';
import assert from 'node:assert/strict';
import { bytes, createQueue, splitBatches } from '../src/queue.js';
import { createStore } from '../src/store.js';
import { event, fakeStorage } from './helpers.mjs';

test('the queue keeps at most 1,000 events, dropping the oldest and counting the drops', () => {
  const q = createQueue(createStore(fakeStorage()), 'q');
  q.push([...Array(995).keys()].map(event));
  for (let i = 995; i < 1005; i++) q.push([event(i)]);
  assert.equal(q.length(), 1000);
  assert.equal(q.all()[0].id, event(5).id);
  assert.equal(q.dropped(), 5);
});

test('the queue keeps at most 1 MB, dropping the oldest', () => {
  const q = createQueue(createStore(fakeStorage()), 'q');
  const big = 'x'.repeat(100 * 1024);
  let dropped = 0;
  for (let i = 0; i < 12; i++) dropped += q.push([event(i, { properties: { big } })]);
  const all = q.all();
  assert.ok(JSON.stringify(all).length <= 1048576);
  assert.equal(all.length + dropped, 12);
  assert.ok(dropped >= 2);
  assert.equal(all.at(-1).id, event(11).id, 'newest kept');
  assert.equal(q.dropped(), dropped);
});

test('remove drops the sent ids only, and subtracts the drops that were reported', () => {
  const q = createQueue(createStore(fakeStorage()), 'q', { maxEvents: 3 });
  for (let i = 0; i < 5; i++) q.push([event(i)]);
  assert.equal(q.dropped(), 2);
  q.remove([event(2).id, event(4).id], 2);
  assert.deepEqual(q.all().map((e) => e.id), [event(3).id]);
  assert.equal(q.dropped(), 0);
});

test('two queues on one storage (two tabs) see the same events', () => {
  const s = fakeStorage();
  const a = createQueue(createStore(s), 'q');
  const b = createQueue(createStore(s), 'q');
  a.push([event(1)]);
  b.push([event(2)]);
  assert.deepEqual(a.all().map((e) => e.id), [event(1).id, event(2).id]);
  assert.deepEqual(b.all(), a.all());
});

test('claimed events are not free until the claim is released or expires', () => {
  const q = createQueue(createStore(fakeStorage()), 'q');
  q.push([event(1), event(2), event(3)]);
  q.claim('tab-a', [event(1).id], 1000);
  q.claim('tab-b', [event(2).id], 2000);
  assert.deepEqual(q.free(500).map((e) => e.id), [event(3).id], 'each tab has its own claim');
  q.claim('tab-b'); // released
  assert.deepEqual(q.free(500).map((e) => e.id), [event(2).id, event(3).id]);
  assert.equal(q.free(1001).length, 3, 'expired');
});

test('each event is its own storage item, so no tab rewrites what another tab wrote', () => {
  const s = fakeStorage();
  const q = createQueue(createStore(s), 'q');
  q.push([event(1), event(2)]);
  assert.deepEqual([...s.m.keys()].sort(), ['q_' + event(1).id, 'q_' + event(2).id]);
  q.remove([event(1).id]);
  assert.deepEqual([...s.m.keys()], ['q_' + event(2).id]);
});

test('a storage that throws (quota) falls back to memory without losing the event', () => {
  const q = createQueue(createStore(fakeStorage(10)), 'q');
  q.push([event(1)]);
  assert.equal(q.length(), 1);
});

test('splitBatches keeps each body within the limit and the order intact', () => {
  const evs = [];
  for (let i = 0; i < 300; i++) evs.push(event(i, { properties: { t: 'データ'.repeat(i % 50) } }));
  const wrap = (g) => JSON.stringify({ key: 'pk_test', events: g });
  const overhead = bytes(wrap([]));
  const limit = 8 * 1024;
  const groups = splitBatches(evs, overhead, limit);
  assert.ok(groups.length > 1);
  for (const g of groups) assert.ok(bytes(wrap(g)) <= limit, String(bytes(wrap(g))));
  assert.deepEqual(groups.flat().map((e) => e.id), evs.map((e) => e.id));
  // groups are full: adding the next event would exceed the limit
  for (let i = 0; i < groups.length - 1; i++) {
    assert.ok(bytes(wrap(groups[i].concat([groups[i + 1][0]]))) > limit);
  }
});

test('an event bigger than the limit travels alone', () => {
  const evs = [event(1), event(2, { properties: { big: 'x'.repeat(5000) } }), event(3)];
  const groups = splitBatches(evs, 30, 1000);
  assert.deepEqual(groups.map((g) => g.length), [1, 1, 1]);
});

test('bytes counts UTF-8', () => {
  assert.equal(bytes('abc'), 3);
  assert.equal(bytes('é'), 2);
  assert.equal(bytes('日本'), 6);
  assert.equal(bytes('😀'), 4);
  assert.equal(bytes('日本😀a'), Buffer.byteLength('日本😀a'));
});
