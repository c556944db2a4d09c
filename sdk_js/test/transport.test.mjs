import test from 'node:test';
import assert from 'node:assert/strict';
import { createDisposer } from '../src/disposer.js';
import { createStore } from '../src/store.js';
import { createTransport } from '../src/transport.js';
import { event, fakeFetch, fakeStorage, silentLog, tick } from './helpers.mjs';

function setup(reply, over = {}) {
  const storage = over.storage || fakeStorage();
  const fetch = over.fetch || fakeFetch(reply);
  const d = createDisposer();
  let clock = over.clock || { t: 1_000_000 };
  const t = createTransport({
    host: 'https://sh.example/',
    key: 'pk_test',
    log: silentLog,
    disposer: d,
    store: createStore(storage),
    tab: over.tab || 'tab-a',
    fetch,
    navigator: over.navigator || {},
    now: () => clock.t,
    random: () => 0,
  });
  return { t, fetch, storage, d, clock };
}
const ok = () => ({ status: 200, body: { accepted: 1, duplicates: 0, rejected: [] } });
const sentIds = (fetch) => fetch.calls.flatMap((c) => c.body.events.map((e) => e.id));

test('events are posted as text/plain JSON with the key in the body, 20 per request', async () => {
  const { t, fetch, d } = setup(ok);
  for (let i = 0; i < 45; i++) t.enqueue([event(i)]);
  await t.flush();
  assert.deepEqual(fetch.calls.map((c) => c.body.events.length), [20, 20, 5]);
  const c = fetch.calls[0];
  assert.equal(c.url, 'https://sh.example/api/sdk/v1/events');
  assert.equal(c.init.method, 'POST');
  assert.equal(c.init.headers['Content-Type'], 'text/plain;charset=UTF-8');
  assert.equal(c.body.key, 'pk_test');
  assert.deepEqual(sentIds(fetch), [...Array(45).keys()].map((i) => event(i).id), 'in order');
  assert.equal(t.length(), 0);
  d.dispose();
});

test('reaching 20 events sends without waiting for the 2 s timer', async () => {
  const { t, fetch, d } = setup(ok);
  for (let i = 0; i < 20; i++) t.enqueue([event(i)]);
  await tick(20);
  assert.equal(fetch.calls.length, 1);
  d.dispose();
});

test('5xx is retried after a backoff, keeping the events until a 2xx', async () => {
  const { t, fetch, d, clock } = setup((n) => (n === 0 ? { status: 503 } : ok()));
  t.enqueue([event(1)]);
  await t.flush();
  assert.equal(fetch.calls.length, 1);
  assert.equal(t.length(), 1, 'kept after 503');
  await t.flush(); // still inside the backoff window: nothing sent
  assert.equal(fetch.calls.length, 1);
  clock.t += 500; // backoff(0) with random 0 = 500 ms
  await t.flush();
  assert.equal(fetch.calls.length, 2);
  assert.equal(t.length(), 0);
  assert.deepEqual(fetch.calls[1].body.events.map((e) => e.id), [event(1).id], 'same id retried');
  d.dispose();
});

test('429 honours Retry-After seconds', async () => {
  const { t, fetch, d, clock } = setup((n) => (n === 0 ? { status: 429, headers: { 'Retry-After': '3' } } : ok()));
  t.enqueue([event(1)]);
  await t.flush();
  clock.t += 2999;
  await t.flush();
  assert.equal(fetch.calls.length, 1);
  clock.t += 1;
  await t.flush();
  assert.equal(fetch.calls.length, 2);
  d.dispose();
});

test('other 4xx drop the batch and go on with the next one', async () => {
  const { t, fetch, d } = setup((n) => (n === 0 ? { status: 400, body: { error: { code: 'bad' } } } : ok()));
  for (let i = 0; i < 25; i++) t.enqueue([event(i)]);
  await t.flush();
  assert.deepEqual(fetch.calls.map((c) => c.body.events.length), [20, 5]);
  assert.equal(t.length(), 0);
  d.dispose();
});

test('while the server is down events are retried until it is back, none lost or duplicated', async () => {
  let up = false;
  const { t, fetch, d, clock } = setup(() => (up ? ok() : 'network'));
  for (let i = 0; i < 30; i++) t.enqueue([event(i)]);
  for (let i = 0; i < 5; i++) {
    await t.flush();
    clock.t += 61000;
  }
  assert.equal(t.length(), 30);
  up = true;
  await t.flush();
  const accepted = fetch.calls.slice(5).flatMap((c) => c.body.events.map((e) => e.id));
  assert.deepEqual(accepted, [...Array(30).keys()].map((i) => event(i).id));
  assert.equal(t.length(), 0);
  d.dispose();
});

test('events stored by an earlier page are sent after a reload', async () => {
  const storage = fakeStorage();
  const a = setup(() => 'network', { storage });
  a.t.enqueue([event(1)]);
  a.t.enqueue([event(2)]);
  a.d.dispose(); // the page went away before sending
  const b = setup(ok, { storage });
  assert.equal(b.t.length(), 2);
  await b.t.flush();
  assert.deepEqual(sentIds(b.fetch), [event(1).id, event(2).id]);
  b.d.dispose();
});

test('drops over the cap are reported in the first event of the next batch', async () => {
  const storage = fakeStorage();
  const { t, fetch, d } = setup(ok, { storage });
  t.enqueue([...Array(1000).keys()].map((i) => event(i)));
  t.enqueue([event(1000)]);
  t.enqueue([event(1001)]);
  await t.flush();
  assert.equal(fetch.calls[0].body.events[0].properties.dropped_events, 2);
  assert.equal(fetch.calls[0].body.events[0].id, event(2).id);
  assert.equal(fetch.calls[1].body.events[0].properties.dropped_events, undefined, 'reported once');
  d.dispose();
});

async function twoTabs(navigator) {
  const storage = fakeStorage();
  let inflight = 0;
  let maxInflight = 0;
  const fetch = fakeFetch(async () => {
    maxInflight = Math.max(maxInflight, ++inflight);
    await tick(5);
    inflight--;
    return ok();
  });
  const a = setup(null, { storage, fetch, tab: 'a', navigator });
  const b = setup(null, { storage, fetch, tab: 'b', navigator });
  for (let i = 0; i < 50; i++) (i % 2 ? a : b).t.enqueue([event(i)]);
  await Promise.all([a.t.flush(), b.t.flush(), a.t.flush(), b.t.flush()]);
  await Promise.all([a.t.flush(), b.t.flush()]);
  a.d.dispose();
  b.d.dispose();
  return { fetch, maxInflight };
}

test('two tabs sharing the queue never send the same event twice (no Web Locks: claims)', async () => {
  const { fetch } = await twoTabs({});
  const ids = sentIds(fetch);
  assert.equal(ids.length, 50);
  assert.equal(new Set(ids).size, 50);
});

test('two tabs sharing the queue never send the same event twice (Web Locks)', async () => {
  const held = new Set();
  const locks = {
    request: async (name, opts, fn) => {
      if (held.has(name)) return fn(null);
      held.add(name);
      try {
        return await fn({ name });
      } finally {
        held.delete(name);
      }
    },
  };
  const { fetch, maxInflight } = await twoTabs({ locks });
  const ids = sentIds(fetch);
  assert.equal(ids.length, 50);
  assert.equal(new Set(ids).size, 50);
  assert.equal(fetch.calls.length, 3);
  assert.equal(maxInflight, 1);
});

function beaconNav(accept = () => true) {
  const sent = [];
  return {
    sent,
    sendBeacon(url, blob) {
      sent.push({ url, blob });
      return accept(blob);
    },
  };
}

test('on page hide the queue goes out by sendBeacon in bodies of at most 64 KB', async () => {
  const nav = beaconNav();
  const { t, fetch, d } = setup(ok, { navigator: nav });
  for (let i = 0; i < 40; i++) t.enqueue([event(i, { properties: { text: 'x'.repeat(5000) } })]);
  t.beacon();
  assert.equal(fetch.calls.length, 0);
  assert.ok(nav.sent.length >= 4, String(nav.sent.length));
  const ids = [];
  for (const s of nav.sent) {
    assert.equal(s.url, 'https://sh.example/api/sdk/v1/events');
    assert.equal(s.blob.type, 'text/plain;charset=utf-8');
    assert.ok(s.blob.size <= 65536, String(s.blob.size));
    const body = JSON.parse(await s.blob.text());
    assert.equal(body.key, 'pk_test');
    ids.push(...body.events.map((e) => e.id));
  }
  assert.deepEqual(ids, [...Array(40).keys()].map((i) => event(i).id));
  assert.equal(t.length(), 0);
  t.beacon();
  assert.ok(nav.sent.length < 10, 'nothing sent twice');
  d.dispose();
});

test('when sendBeacon refuses, the rest stays stored for the next page', async () => {
  const nav = beaconNav((blob) => nav.sent.length < 2);
  const { t, fetch, d } = setup(ok, { navigator: nav });
  for (let i = 0; i < 40; i++) t.enqueue([event(i, { properties: { text: 'x'.repeat(5000) } })]);
  t.beacon();
  assert.equal(nav.sent.length, 2, 'stops at the first refusal');
  const first = JSON.parse(await nav.sent[0].blob.text()).events.map((e) => e.id);
  assert.equal(t.length(), 40 - first.length);
  assert.equal(fetch.calls.length, 0);
  d.dispose();
});

test('no beacon while sends are failing: the events wait in storage for the next page', async () => {
  const nav = beaconNav();
  const { t, d } = setup(() => 'network', { navigator: nav });
  t.enqueue([event(1)]);
  await t.flush();
  t.beacon();
  assert.equal(nav.sent.length, 0);
  assert.equal(t.length(), 1);
  d.dispose();
});

test('no beacon when the browser says it is offline', () => {
  const nav = Object.assign(beaconNav(), { onLine: false });
  const { t, d } = setup(ok, { navigator: nav });
  t.enqueue([event(1)]);
  t.beacon();
  assert.equal(nav.sent.length, 0);
  d.dispose();
});

test('a tab whose copy of storage lags behind never brings back events another tab sent', async () => {
  // Browsers sync localStorage between tabs asynchronously: tab b enqueues while its copy
  // still shows what tab a has already sent and removed.
  const storage = fakeStorage();
  const a = setup(ok, { storage, tab: 'a' });
  a.t.enqueue([event(1), event(2)]);
  const stale = new Map(storage.m);
  await a.t.flush();
  assert.equal(storage.m.size, 0);
  let lag = true;
  const view = () => (lag ? stale : storage.m);
  const lagging = {
    getItem: (k) => view().get(k) ?? null,
    setItem: (k, v) => { stale.set(k, v); storage.setItem(k, v); },
    removeItem: (k) => { stale.delete(k); storage.removeItem(k); },
    key: (i) => [...view().keys()][i] ?? null,
    get length() { return view().size; },
  };
  const b = setup(ok, { storage: lagging, tab: 'b' });
  b.t.enqueue([event(3)]);
  lag = false; // the copy catches up
  await b.t.flush();
  assert.deepEqual(sentIds(b.fetch), [event(3).id]);
  a.d.dispose();
  b.d.dispose();
});

test('page hide does not beacon events another tab is sending right now', async () => {
  const storage = fakeStorage();
  let release;
  const slow = fakeFetch(() => new Promise((r) => (release = () => r(ok()))));
  const a = setup(null, { storage, fetch: slow, tab: 'a' });
  const nav = beaconNav();
  const b = setup(ok, { storage, tab: 'b', navigator: nav });
  a.t.enqueue([event(1)]);
  const p = a.t.flush();
  await tick(5); // a's request is in flight
  b.t.enqueue([event(2)]);
  b.t.beacon();
  const body = JSON.parse(await nav.sent[0].blob.text());
  assert.deepEqual(body.events.map((e) => e.id), [event(2).id]);
  release();
  await p;
  assert.deepEqual(sentIds(slow), [event(1).id]);
  assert.equal(a.t.length(), 0);
  a.d.dispose();
  b.d.dispose();
});
