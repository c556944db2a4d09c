// Test doubles shared by the unit tests.
// Node has no frames: the SDK (browser-only) calls requestAnimationFrame unguarded.
globalThis.requestAnimationFrame ??= (fn) => setTimeout(fn, 0);
globalThis.cancelAnimationFrame ??= clearTimeout;
import { createStore } from '../src/store.js';

/** A Web Storage double (getItem/setItem/removeItem) with an optional byte quota. */
export function fakeStorage(quota = Infinity) {
  const m = new Map();
  let keys = null; // key(i) over a snapshot, rebuilt after a change (like the real thing, O(1))
  return {
    m,
    getItem: (k) => (m.has(k) ? m.get(k) : null),
    setItem: (k, v) => {
      if (String(v).length > quota) throw new Error('QuotaExceededError');
      m.set(k, String(v));
      keys = null;
    },
    removeItem: (k) => {
      keys = null;
      return m.delete(k);
    },
    key: (i) => (keys || (keys = [...m.keys()]))[i] ?? null,
    get length() {
      return m.size;
    },
  };
}

export const storeOn = (backend) => createStore(backend);

/** A fetch double: `reply(n, url, init)` returns {status, body?, headers?} or 'network'. */
export function fakeFetch(reply) {
  const calls = [];
  const f = async (url, init) => {
    const n = calls.length;
    calls.push({ url, init, body: JSON.parse(init.body) });
    const r = await reply(n, url, init);
    if (r === 'network') throw new TypeError('Failed to fetch');
    const headers = new Map(Object.entries(r.headers || {}));
    return {
      status: r.status,
      headers: { get: (k) => headers.get(k) ?? null },
      json: async () => JSON.parse(JSON.stringify(r.body ?? {})),
    };
  };
  f.calls = calls;
  return f;
}

export const silentLog = Object.assign(() => {}, { error: () => {}, debug: false });

export function event(i, extra = {}) {
  return {
    id: 'id-' + String(i).padStart(5, '0'),
    type: 'track',
    user_id: 'u1',
    account_id: null,
    guide: null,
    step: null,
    name: 'e' + i,
    properties: {},
    timestamp: '2026-11-23T08:00:00.000Z',
    ...extra,
  };
}

export const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
