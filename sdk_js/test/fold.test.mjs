// fold.mjs specialises Floating UI to how src/render/ui.js uses it. These tests hold the
// facts it stands on, and compare the folded core with the published one placing cards.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import * as published from '@floating-ui/core';
import { PLATFORM_ABSENT, fold, foldText } from '../fold.mjs';
import { middleware, platform } from '../src/render/ui.js';

const here = fileURLToPath(new URL('..', import.meta.url));

/** @floating-ui/core as the bundle gets it (folded), as an ES module. */
async function foldedCore() {
  const dir = mkdtempSync(join(tmpdir(), 'fold-'));
  try {
    const out = join(dir, 'core.mjs');
    await build({
      stdin: { contents: "export * from '@floating-ui/core';", resolveDir: here },
      bundle: true, format: 'esm', outfile: out, plugins: [fold], logLevel: 'silent',
    });
    return await import(pathToFileURL(out).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const folded = await foldedCore();

// A pure platform over numbers: the layout of one card, as ui.js's platform would measure it.
const pure = (L) => ({
  getElementRects: () => ({ reference: { ...L.ref }, floating: { x: 0, y: 0, ...L.fl } }),
  getClippingRect: () => ({ ...L.vp }),
  getDimensions: () => ({ width: 10, height: 10 }),
});
const PLACEMENTS = ['top', 'right', 'bottom', 'left'].flatMap((s) => [s, s + '-start', s + '-end']);

function layouts(n, seed = 7) {
  let s = seed;
  const rnd = (a, b) => ((s = (s * 1103515245 + 12345) % 2147483648), a + ((b - a) * s) / 2147483648);
  const out = [];
  for (let i = 0; i < n; i++) {
    const vp = { x: 0, y: rnd(0, 1) < 0.2 ? rnd(0, 120) : 0, width: rnd(300, 1600), height: rnd(280, 1000) };
    const ref = { x: rnd(-200, vp.width + 50), y: rnd(-200, vp.height + 50), width: rnd(0, 700), height: rnd(0, 1200) };
    const fl = { width: rnd(60, 480), height: rnd(40, 700) };
    out.push({ vp, ref, fl, placement: PLACEMENTS[i % PLACEMENTS.length] });
  }
  return out;
}

/** Where `lib` puts a card for layout `L`, with middleware built by `mw(lib)`. */
async function place(lib, mw, L) {
  const floating = { clientWidth: L.fl.width, clientHeight: L.fl.height };
  const p = await lib.computePosition({}, floating, {
    strategy: 'fixed', platform: pure(L), placement: L.placement, middleware: mw(lib),
  });
  return { x: p.x, y: p.y, placement: p.placement, data: p.middlewareData };
}

// ui.js's own middleware, rebuilt from another copy of Floating UI with the same options.
const ours = (lib) => middleware({}).map((m) => lib[m.name](m.name == 'arrow' ? { ...m.options, element: {} } : m.options));

test('ui.js platform defines none of the methods the bundle is folded without', () => {
  for (const m of PLATFORM_ABSENT) assert.equal(m in platform, false, m);
  assert.deepEqual(Object.keys(platform).sort(), ['getClippingRect', 'getDimensions', 'getElementRects']);
});

test('ui.js never asks autoUpdate for its animationFrame mode', () => {
  const src = readFileSync(join(here, 'src', 'render', 'ui.js'), 'utf8');
  assert.match(src, /autoUpdate\(ref, fl, \(\) =>/);
  assert.doesNotMatch(src, /animationFrame/);
});

test('the middleware is what the folds assume', () => {
  assert.deepEqual(middleware({}).map((m) => [m.name, m.name == 'arrow' ? m.options.padding : m.options]), [
    ['offset', 12],
    ['flip', { padding: 8, crossAxis: false, fallbackAxisSideDirection: 'end' }],
    ['shift', { padding: 8, crossAxis: true }],
    ['arrow', 8],
  ]);
});

test('the folded core places cards exactly as the published one, over 3,000 layouts', async () => {
  let flipped = 0;
  let shifted = 0;
  for (const L of layouts(3000)) {
    const want = await place(published, ours, L);
    assert.deepEqual(await place(folded, ours, L), want, JSON.stringify(L));
    if (want.placement.split('-')[0] != L.placement.split('-')[0]) flipped++;
    if (want.data.shift.x || want.data.shift.y) shifted++;
  }
  // The layouts reach the folded branches: flips to the other side and on the other axis, shifts.
  assert.ok(flipped > 300 && shifted > 300, `${flipped} flipped, ${shifted} shifted`);
});

test('other options than the folded ones are told apart (this comparison can fail)', async () => {
  const other = (lib) => [lib.offset(12), lib.flip({ padding: 8 }), lib.shift({ padding: 8 }), lib.arrow({ element: {}, padding: 8 })];
  let differ = 0;
  for (const L of layouts(400, 11)) {
    const a = await place(published, other, L);
    const b = await place(folded, other, L);
    if (JSON.stringify(a) != JSON.stringify(b)) differ++;
  }
  assert.ok(differ > 20, `${differ} of 400 differ`);
});

test('a fold that no longer matches its text fails the build', () => {
  const path = '/x/node_modules/@floating-ui/dom/dist/floating-ui.dom.mjs';
  assert.throws(() => foldText(path, 'function autoUpdate() {}'), /matched 0 times/);
  assert.equal(foldText('/x/other.mjs', 'untouched'), 'untouched');
});
