// Size report for the built browser SDK: raw / gzip -9 / brotli (max quality).
// Usage: (cd sdk_js && node build.mjs) && node bench/sdk_size.mjs [--check]
// --check exits 1 when over budget: shirube.js ≤ 16 KB gzip, shirube-survey.js ≤ 4 KB gzip,
// stub.min.js ≤ 700 bytes raw. Then where shirube.js's bytes go, per part of sdk_js/src
// (esbuild's metafile of the same build options: minified bytes per input, exact; the
// gzip column shares the bundle's gzip size out in proportion, an estimate).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'server', 'static', 'sdk');
// shirube-debug.js (the debug log's words, loaded only with init({debug: true})): no budget, listed.
const budgets = {
  'shirube.js': { gzip: 16 * 1024 }, 'shirube-survey.js': { gzip: 4 * 1024 }, 'stub.min.js': { raw: 700 }, 'shirube-debug.js': {},
};
const gz = {};
let over = false;

console.log('file              raw      gzip-9   brotli');
for (const name of Object.keys(budgets)) {
  const buf = readFileSync(join(dir, name));
  const sizes = {
    raw: buf.length,
    gzip: gzipSync(buf, { level: 9 }).length,
    brotli: brotliCompressSync(buf, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: buf.length },
    }).length,
  };
  gz[name] = sizes.gzip;
  const notes = [];
  for (const [k, max] of Object.entries(budgets[name])) {
    if (sizes[k] > max) {
      over = true;
      notes.push(`OVER ${k} budget ${max}`);
    } else notes.push(`${k} budget ${max}: ok`);
  }
  console.log(
    name.padEnd(17),
    String(sizes.raw).padStart(7),
    String(sizes.gzip).padStart(8),
    String(sizes.brotli).padStart(8),
    '  ' + notes.join(', '),
  );
}

// Per part: the bundle's own build (same entry and options as sdk_js/build.mjs), not written.
const { build } = createRequire(join(root, 'sdk_js', 'package.json'))('esbuild');
const { fold } = await import('../sdk_js/fold.mjs');
const r = await build({
  plugins: [fold], absWorkingDir: join(root, 'sdk_js'), entryPoints: ['src/index.js'], bundle: true, format: 'iife', minify: true,
  target: ['chrome90', 'firefox88', 'safari15'], legalComments: 'none', write: false, metafile: true,
  outfile: 'shirube.js',
});
const part = (f) =>
  f.includes('node_modules/') ? f.split('node_modules/')[1].split('/').slice(0, 2).join('/')
    : /src\/render\/survey/.test(f) || f.endsWith('src/features.js') ? 'survey loader + feature tagging'
      : f.includes('src/render/') ? 'renderers (src/render/)' : 'core (src/*.js)';
const parts = {};
const out = Object.values(r.metafile.outputs)[0];
for (const [f, { bytesInOutput }] of Object.entries(out.inputs)) parts[part(f)] = (parts[part(f)] || 0) + bytesInOutput;
const total = out.bytes;
console.log('\nshirube.js by part      minified  share   ≈gzip');
for (const [k, v] of Object.entries(parts).sort((a, b) => b[1] - a[1])) {
  console.log(k.padEnd(32), String(v).padStart(7), (((100 * v) / total).toFixed(1) + '%').padStart(6), String(Math.round((gz['shirube.js'] * v) / total)).padStart(7));
}
// --files: per source file, the gzip bytes shirube.js loses without that file's code (its
// characters as the committed source map attributes them; the shares overlap, so they add
// up to more than the total): where the next cut pays.
if (process.argv.includes('--files')) {
  const req = createRequire(join(root, 'sdk_js', 'package.json'));
  const { TraceMap, decodedMappings } = req('@jridgewell/trace-mapping');
  const code = readFileSync(join(dir, 'shirube.js'), 'utf8');
  const map = new TraceMap(readFileSync(join(dir, 'shirube.js.map'), 'utf8'));
  const src = new Int32Array(code.length).fill(-1);
  let at = 0;
  code.split('\n').forEach((line, i) => {
    const segs = decodedMappings(map)[i] || [];
    segs.forEach((seg, j) => src.fill(seg.length > 1 ? seg[1] : -1, at + seg[0], at + (j + 1 < segs.length ? segs[j + 1][0] : line.length)));
    at += line.length + 1;
  });
  const rows = map.sources.map((name, si) => {
    const kept = [...code].filter((_, i) => src[i] != si).join('');
    return [name.replace(/^.*node_modules\/|^.*?sdk_js\//, '').replace('/dist/', ': '), code.length - kept.length, gz['shirube.js'] - gzipSync(kept, { level: 9 }).length];
  });
  console.log('\nshirube.js by file        minified  gzip without it');
  for (const [k, n, g] of rows.sort((a, b) => b[2] - a[2])) console.log(k.slice(-40).padEnd(40), String(n).padStart(7), String(g).padStart(7));
}
if (process.argv.includes('--check') && over) process.exit(1);
