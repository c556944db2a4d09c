// Size report for the built browser SDK: raw / gzip -9 / brotli (max quality).
// Usage: (cd sdk_js && node build.mjs) && node bench/sdk_size.mjs [--check]
// --check exits 1 when over budget: shirube.js ≤ 16 KB gzip, stub.min.js ≤ 700 bytes raw.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'server', 'static', 'sdk');
const budgets = { 'shirube.js': { gzip: 16 * 1024 }, 'stub.min.js': { raw: 700 } };
let over = false;

console.log('file            raw      gzip-9   brotli');
for (const name of Object.keys(budgets)) {
  const buf = readFileSync(join(dir, name));
  const sizes = {
    raw: buf.length,
    gzip: gzipSync(buf, { level: 9 }).length,
    brotli: brotliCompressSync(buf, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: buf.length },
    }).length,
  };
  const notes = [];
  for (const [k, max] of Object.entries(budgets[name])) {
    if (sizes[k] > max) {
      over = true;
      notes.push(`OVER ${k} budget ${max}`);
    } else notes.push(`${k} budget ${max}: ok`);
  }
  console.log(
    name.padEnd(15),
    String(sizes.raw).padStart(7),
    String(sizes.gzip).padStart(8),
    String(sizes.brotli).padStart(8),
    '  ' + notes.join(', '),
  );
}
if (process.argv.includes('--check') && over) process.exit(1);
