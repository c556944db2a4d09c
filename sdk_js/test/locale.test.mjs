import test from 'node:test';
import assert from 'node:assert/strict';
import { localizeGuide, pickLocale } from '../src/locale.js';
import { uiStrings } from '../src/i18n.js';

test('pickLocale prefers the full tag, then the primary subtag, in the order wanted', () => {
  assert.equal(pickLocale(['ja-JP'], ['en', 'ja', 'ja-JP']), 'ja-JP');
  assert.equal(pickLocale(['ja-JP'], ['en', 'ja']), 'ja');
  assert.equal(pickLocale(['ja'], ['en', 'ja-JP']), 'ja-JP');
  assert.equal(pickLocale(['fr', 'ja'], ['en', 'ja']), 'ja', 'first wanted with a match');
  assert.equal(pickLocale(['pt_BR'], ['pt-br']), 'pt-br');
  assert.equal(pickLocale(['de', undefined, ''], ['en', 'ja']), null);
});

const g = {
  key: 'w',
  locale: 'en',
  name: 'Welcome',
  steps: [
    { kind: 'modal', title_html: 'Welcome', body_html: '<p>Hi</p>', target: null },
    { kind: 'tooltip', title_html: 'New', body_html: '<p>Click</p>', target: { selectors: ['#n'] } },
  ],
  translations: { ja: { name: 'ようこそ', steps: [{ title_html: 'ようこそ', body_html: null }] } },
};

test('localizeGuide merges a translation step by step over the default', () => {
  const { guide, lang } = localizeGuide(g, ['ja-JP', 'en']);
  assert.equal(lang, 'ja');
  assert.equal(guide.name, 'ようこそ');
  assert.equal(guide.steps[0].title_html, 'ようこそ');
  assert.equal(guide.steps[0].body_html, '<p>Hi</p>', 'null in a translation keeps the default');
  assert.equal(guide.steps[1].title_html, 'New', 'untranslated step keeps the default');
  assert.deepEqual(guide.steps[1].target, { selectors: ['#n'] });
  assert.equal(g.steps[0].title_html, 'Welcome', 'input not mutated');
});

test('localizeGuide falls back to the guide default language', () => {
  assert.equal(localizeGuide(g, ['de-DE']).lang, 'en');
  assert.equal(localizeGuide(g, ['de-DE']).guide, g);
  assert.equal(localizeGuide(g, ['en-GB', 'ja']).lang, 'en', 'the default language is a match too');
});

test('UI strings in English and Japanese, English otherwise', () => {
  assert.equal(uiStrings('ja-JP').next, '次へ');
  assert.equal(uiStrings('ja').stepOf(2, 5), '2 / 5');
  assert.equal(uiStrings('en').stepOf(2, 5), '2 of 5');
  assert.equal(uiStrings('fr').done, 'Done');
  for (const k of ['next', 'back', 'done', 'close', 'later']) assert.ok(uiStrings('ja')[k] && uiStrings('en')[k], k);
});
