import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { installBrowser } from './dom.mjs';
import { tick } from './helpers.mjs';

const env = installBrowser();

test('the stub runs the bundle 2 s after it ran when the page never finishes loading (or gets no frame)', async () => {
  globalThis.requestAnimationFrame = () => 0; // a background tab: frames never come
  new Function(readFileSync(new URL('../src/stub.js', import.meta.url), 'utf8'))();
  window.dispatchEvent(new Event('load'));
  await tick(1800);
  assert.deepEqual(env.scripts.map((e) => e.tagName), ['LINK']);
  await tick(400);
  assert.deepEqual(env.scripts.map((e) => e.tagName), ['LINK', 'SCRIPT']);
  assert.equal(env.scripts[1].src, '__SHIRUBE_HOST__/sdk/v1/shirube.js');
});

test('on a page that has loaded already, the stub runs the bundle after the next frame', async () => {
  const e2 = installBrowser();
  delete window.shirube;
  document.readyState = 'complete';
  let frame;
  globalThis.requestAnimationFrame = (fn) => (frame = fn);
  new Function(readFileSync(new URL('../src/stub.js', import.meta.url), 'utf8'))();
  await tick(20);
  assert.deepEqual(e2.scripts.map((e) => e.tagName), ['LINK']);
  frame();
  await tick(5);
  assert.deepEqual(e2.scripts.map((e) => e.tagName), ['LINK', 'SCRIPT']);
});
