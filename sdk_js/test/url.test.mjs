import test from 'node:test';
import assert from 'node:assert/strict';
import { matchUrl } from '../src/url.js';

const m = (match, value, url, query) => matchUrl({ match, value, query }, url);

test('null rule matches every page', () => {
  assert.equal(matchUrl(null, 'https://a.example/anything?x=1'), true);
});

test('exact matches the path, ignoring query and hash unless the rule has them', () => {
  assert.equal(m('exact', '/app', 'https://a.example/app'), true);
  assert.equal(m('exact', '/app', 'https://a.example/app/?tab=1#x'), true);
  assert.equal(m('exact', '/app', 'https://a.example/app/reports'), false);
  assert.equal(m('exact', '/app/#/completed', 'https://a.example/app/#/completed'), true);
  assert.equal(m('exact', '/app/#/completed', 'https://a.example/app/#/active'), false);
});

test('prefix matches against path + search + hash', () => {
  assert.equal(m('prefix', '/app/reports', '/app/reports/12'), true);
  assert.equal(m('prefix', '/app/reports', '/app/report'), false);
  assert.equal(m('prefix', '/app/#/comp', 'https://a.example/app/#/completed'), true);
});

test('glob star spans segments and the query; other characters are literal', () => {
  assert.equal(m('glob', '/app/reports*', '/app/reports'), true);
  assert.equal(m('glob', '/app/reports*', '/app/reports/12?x=1'), true);
  assert.equal(m('glob', '/app/*/edit', '/app/42/edit'), true);
  assert.equal(m('glob', '/app/*/edit', '/app/42/view'), false);
  assert.equal(m('glob', '/a.b', '/aXb'), false, 'dot is literal');
  assert.equal(m('glob', '/app?tab=*', '/app?tab=billing'), true, '? is literal');
  assert.equal(m('glob', '/app/*', '/other/app/x'), false, 'anchored');
});

test('regex tests path + search + hash; an invalid regex matches nothing and is reported once', () => {
  assert.equal(m('regex', '^/users/\\d+$', '/users/42'), true);
  assert.equal(m('regex', '^/users/\\d+$', '/users/me'), false);
  assert.equal(m('regex', '#/done$', '/todo/#/done'), true);
  const errors = [];
  const rule = { match: 'regex', value: '([unclosed' };
  assert.equal(matchUrl(rule, '/x', (msg) => errors.push(msg)), false);
  assert.equal(matchUrl(rule, '/y', (msg) => errors.push(msg)), false);
  assert.equal(errors.length, 1);
  assert.match(errors[0], /\(\[unclosed/);
});

test('query params must all equal the given values', () => {
  assert.equal(m('prefix', '/app', '/app?tab=x&y=2', { tab: 'x' }), true);
  assert.equal(m('prefix', '/app', '/app?tab=y', { tab: 'x' }), false);
  assert.equal(m('prefix', '/app', '/app', { tab: 'x' }), false);
  assert.equal(m('prefix', '/app', '/app?n=1', { n: 1 }), true, 'values compared as strings');
});

test('unknown match kind matches nothing', () => {
  assert.equal(m('fuzzy', '/app', '/app'), false);
});
