import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { installBrowser } from './dom.mjs';
import { tick } from './helpers.mjs';

const env = installBrowser();
const warnings = [];
console.warn = (...a) => warnings.push(a.join(' '));

test('the stub queues calls (both styles), preloads the bundle at once and inserts one async script tag after the load event and a frame; a second stub does nothing', async () => {
  const src = readFileSync(new URL('../src/stub.js', import.meta.url), 'utf8');
  document.currentScript = { nonce: 'n0nce' };
  new Function(src)();
  document.currentScript = null;
  new Function(src)();
  const url = '__SHIRUBE_HOST__/sdk/v1/shirube.js';
  assert.deepEqual(env.scripts, [{ tagName: 'LINK', rel: 'preload', as: 'script', href: url, nonce: 'n0nce' }]);
  await tick(20);
  assert.equal(env.scripts.length, 1, 'nothing run before the page has loaded');
  window.dispatchEvent(new Event('load'));
  await tick(20);
  assert.deepEqual(env.scripts[1], { tagName: 'SCRIPT', async: 1, src: url, nonce: 'n0nce' });
  assert.equal(env.scripts.length, 2);
  window.shirube('identify', 'u1', { locale: 'ja', plan: 'pro' }, { signature: 'abc' });
  window.shirube.init({ key: 'pk_test', host: 'https://sh.example' });
  window.shirube('group', 'acct-7', { mrr: 1200 });
  window.shirube('track', 'report_created', { rows: 10 });
  assert.equal(window.shirube.q.length, 4);
});

test('loading the bundle replays the queue once and makes one bootstrap request per the contract', async () => {
  const stub = window.shirube;
  const q = stub.q;
  await import('../src/index.js');
  assert.notEqual(window.shirube, stub);
  assert.equal(window.shirube._loaded, true);
  assert.equal(stub.q.length, 0, 'queue consumed');
  assert.equal(q.length, 4);
  await tick(10);
  const boots = env.bootstraps();
  assert.equal(boots.length, 1, 'init + identify + group coalesce');
  const b = boots[0];
  assert.equal(b.url, 'https://sh.example/api/sdk/v1/bootstrap');
  assert.equal(b.init.headers['Content-Type'], 'text/plain;charset=UTF-8');
  assert.deepEqual(b.body, {
    key: 'pk_test',
    user: { id: 'u1', traits: { locale: 'ja', plan: 'pro' }, signature: 'abc' },
    account: { id: 'acct-7', traits: { mrr: 1200 } },
    context: { url: 'https://app.example/app/home', locale: 'ja', user_agent: 'node-test' },
  });
  assert.equal(window.shirube._debug.state().ready, true);
});

test('a second copy of the bundle does not re-initialise', async () => {
  const sh = window.shirube;
  await import('../src/index.js?second');
  await tick(5);
  assert.equal(window.shirube, sh);
  assert.equal(env.bootstraps().length, 1);
});

test('queued events carry ids, user and account, and are sent in one batch', async () => {
  const sh = window.shirube;
  assert.equal(sh._debug.queueLength(), 2, 'page_view + track');
  await sh._debug.flush();
  const calls = env.eventCalls();
  assert.equal(calls.length, 1);
  const evs = calls[0].body.events;
  assert.equal(calls[0].body.key, 'pk_test');
  assert.deepEqual(evs.map((e) => e.type), ['page_view', 'track']);
  for (const e of evs) {
    assert.match(e.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    assert.equal(e.user_id, 'u1');
    assert.equal(e.account_id, 'acct-7');
    assert.match(e.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(Object.keys(e).sort(), ['account_id', 'guide', 'id', 'name', 'properties', 'step', 'timestamp', 'type', 'user_id']);
  }
  assert.deepEqual(evs[0].properties, { url: 'https://app.example/app/home', title: 'Home' });
  assert.equal(evs[1].name, 'report_created');
  assert.deepEqual(evs[1].properties, { rows: 10 });
  assert.ok(evs[0].id < evs[1].id);
});

test('each SPA navigation sends one page_view', async () => {
  const sh = window.shirube;
  env.navigate('/app/reports');
  env.navigate('/app/reports'); // same URL: no change
  history.replaceState(null, '', '/app/reports?tab=1');
  env.setUrlSilently('/app/reports#x');
  dispatchEvent(new Event('hashchange'));
  assert.equal(sh._debug.queueLength(), 3);
  await sh._debug.flush();
  const evs = env.eventCalls().at(-1).body.events;
  assert.deepEqual(evs.map((e) => e.properties.url), [
    'https://app.example/app/reports',
    'https://app.example/app/reports?tab=1',
    'https://app.example/app/reports#x',
  ]);
});

test('with no frames (a hidden page) events still reach storage within 250 ms', async () => {
  const sh = window.shirube;
  await sh._debug.flush();
  await tick(300); // drains scheduled by earlier tests have run
  const stored = () => [...localStorage.m.values()].some((v) => String(v).includes('while_hidden'));
  const raf = globalThis.requestAnimationFrame;
  globalThis.requestAnimationFrame = () => 0; // a hidden page: frames never come
  try {
    sh.track('while_hidden');
    await tick(50);
    assert.equal(stored(), false, 'waits for a frame first');
    await tick(300);
    assert.equal(stored(), true, 'stored after 250 ms without one');
  } finally {
    globalThis.requestAnimationFrame = raf;
  }
  await sh._debug.flush();
});

test('public entry points and listeners never throw into the page', () => {
  const sh = window.shirube;
  assert.doesNotThrow(() => sh('no_such_method'));
  assert.doesNotThrow(() => sh.identify());
  assert.doesNotThrow(() => sh.track());
  assert.doesNotThrow(() => sh.on('ready', () => { throw new Error('listener boom'); }));
  assert.doesNotThrow(() => sh.on('nope', () => {}));
  assert.doesNotThrow(() => sh.show('missing-guide'));
  assert.ok(warnings.every((w) => w.startsWith('[shirube]')), warnings.join('\n'));
  assert.ok(warnings.some((w) => w.includes('listener boom') || w.includes('ready listener failed')));
});

test('on/off: a removed listener is not called', async () => {
  const sh = window.shirube;
  const calls = [];
  const fn = () => calls.push(1);
  sh.on('ready', fn); // already ready: called at once
  sh.off('ready', fn);
  sh.group('acct-8', {}); // re-bootstrap, fires ready again
  await tick(10);
  assert.equal(calls.length, 1);
  assert.equal(env.bootstraps().length, 2);
  assert.equal(env.bootstraps()[1].body.account.id, 'acct-8');
});

test('reset forgets the user but the old user\'s queued events are still sent; a new identify bootstraps', async () => {
  const sh = window.shirube;
  sh.track('before_logout');
  sh.reset();
  sh.track('anonymous'); // held until someone is identified
  await sh._debug.flush();
  const last = env.eventCalls().at(-1).body.events;
  assert.deepEqual(last.map((e) => [e.name, e.user_id]), [['before_logout', 'u1']]);
  assert.equal(env.bootstraps().length, 2, 'no bootstrap without a user');
  sh.identify('u2', {});
  await tick(10);
  assert.equal(env.bootstraps().length, 3);
  assert.equal(env.bootstraps()[2].body.user.id, 'u2');
  assert.equal(env.bootstraps()[2].body.account, undefined);
  await sh._debug.flush();
  const evs = env.eventCalls().at(-1).body.events;
  assert.deepEqual(evs.map((e) => [e.name, e.user_id]), [['anonymous', 'u2']]);
});

test('teardown restores history methods and stops listening', () => {
  const sh = window.shirube;
  const patched = history.pushState;
  sh._debug.teardown();
  assert.notEqual(history.pushState, patched);
  const n = sh._debug.queueLength();
  env.navigate('/after-teardown');
  assert.equal(sh._debug.queueLength(), n);
});
