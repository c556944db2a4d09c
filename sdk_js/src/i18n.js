// The SDK's own UI strings (buttons, step counter), in English and Japanese.
import { norm, primary } from './locale.js';

var KEYS = ['next', 'back', 'done', 'close', 'later', 'of'];
var S = {
  en: ['Next', 'Back', 'Done', 'Close', 'Ask me later', '{i} of {n}'],
  ja: ['次へ', '戻る', '完了', '閉じる', 'あとで', '{i} / {n}'],
};

/**
 * UI strings for a language tag (primary subtag decides; English otherwise):
 * {next, back, done, close, later, stepOf(i, n)} (a survey's Skip is the survey chunk's); `stepOf` takes the 1-based
 * step number: stepOf(2, 5) -> "2 of 5".
 * @param {string} lang
 */
export function uiStrings(lang) {
  var s = S[primary(norm(lang))] || S.en;
  var r = { stepOf: (i, n) => r.of.replace('{i}', i).replace('{n}', n) };
  KEYS.forEach((k, i) => (r[k] = s[i]));
  return r;
}
