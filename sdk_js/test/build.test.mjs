import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function buildInto(dir) {
  execFileSync(process.execPath, ['build.mjs'], { cwd: root, env: { ...process.env, SHIRUBE_SDK_OUT: dir }, stdio: 'pipe' });
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f))]));
}

test('the build is reproducible byte for byte and the stub fits its budget', () => {
  // Inside the package (git-ignored), so the map's relative source paths stay short.
  const a = mkdtempSync(join(root, '.tmp-build-'));
  const b = mkdtempSync(join(root, '.tmp-build-'));
  try {
    const x = buildInto(a);
    const y = buildInto(b);
    assert.deepEqual(Object.keys(x), ['shirube-builder.js', 'shirube-debug.js', 'shirube-survey.js', 'shirube.js', 'shirube.js.map', 'stub.min.js']);
    for (const f of Object.keys(x)) assert.ok(x[f].equals(y[f]), f + ' differs between builds');
    const js = x['shirube.js'].toString();
    assert.ok(js.endsWith('//# sourceMappingURL=shirube.js.map\n'));
    // ASCII only (\u escapes): it runs right whatever charset the page or server declares.
    for (const f of ['shirube.js', 'shirube-survey.js', 'shirube-builder.js', 'shirube-debug.js']) assert.ok(!/[^\x00-\x7f]/.test(x[f].toString()), f + ' is not ASCII');
    assert.ok(!js.includes(root), 'no absolute paths in the bundle');
    assert.ok(!x['shirube.js.map'].toString().includes(root), 'no absolute paths in the map');
    assert.ok(x['stub.min.js'].length <= 700, String(x['stub.min.js'].length));
    assert.match(x['stub.min.js'].toString(), /__SHIRUBE_HOST__\/sdk\/v1\/shirube\.js/);
    assert.ok(gzipSync(x['shirube.js'], { level: 9 }).length < 64 * 1024);
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});
