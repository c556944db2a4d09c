import test from 'node:test';
import assert from 'node:assert/strict';
import { backoff, classify, retryAfterMs } from '../src/backoff.js';

test('only network errors, 5xx, 408 and 429 are retried; other 4xx are dropped', () => {
  assert.equal(classify(200), 'ok');
  assert.equal(classify(204), 'ok');
  for (const s of [0, undefined, 500, 502, 503, 504, 408, 429]) assert.equal(classify(s), 'retry', String(s));
  for (const s of [400, 401, 403, 404, 409, 413, 422]) assert.equal(classify(s), 'drop', String(s));
});

test('backoff doubles from 1 s, is jittered within [d/2, d], and caps at 60 s', () => {
  assert.equal(backoff(0, 0), 500);
  assert.equal(backoff(0, 1), 1000);
  assert.equal(backoff(1, 1), 2000);
  assert.equal(backoff(3, 0.5), 6000);
  assert.equal(backoff(10, 1), 60000);
  assert.equal(backoff(1000, 1), 60000);
  for (let i = 0; i < 200; i++) {
    const v = backoff(2);
    assert.ok(v >= 2000 && v <= 4000, String(v));
  }
});

test('Retry-After accepts seconds and HTTP dates', () => {
  assert.equal(retryAfterMs('3'), 3000);
  assert.equal(retryAfterMs('0'), 0);
  assert.equal(retryAfterMs(null), null);
  assert.equal(retryAfterMs('soon'), null);
  const now = Date.parse('2026-11-23T08:00:00Z');
  assert.equal(retryAfterMs('Mon, 23 Nov 2026 08:00:10 GMT', now), 10000);
});
