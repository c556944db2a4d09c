import test from 'node:test';
import assert from 'node:assert/strict';
import { uuidv7 } from '../src/uuid.js';

const RE = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('uuidv7 has version 7, the RFC variant, and the timestamp in the first 48 bits', () => {
  const t = Date.parse('2026-11-23T08:00:00Z');
  const id = uuidv7(t + 10 ** 6); // a later time than any earlier test call
  assert.match(id, RE);
  assert.equal(parseInt(id.replace(/-/g, '').slice(0, 12), 16), t + 10 ** 6);
});

test('uuidv7 ids are strictly increasing within one millisecond and across clock steps back', () => {
  const t = Date.now() + 10 ** 7;
  const ids = [];
  for (let i = 0; i < 10000; i++) ids.push(uuidv7(t)); // overflows the 12-bit counter
  ids.push(uuidv7(t - 5000)); // clock went backwards
  ids.push(uuidv7(t + 10000));
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1] < ids[i], `${ids[i - 1]} < ${ids[i]} at ${i}`);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, RE);
});
