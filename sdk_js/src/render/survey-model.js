// The pure parts of the survey widgets (no DOM): scales, the NPS category, which
// follow-up question to ask, the radiogroup keyboard model and the screen-reader words.
// Definitions: ../shared/METRICS.md "Surveys"; wire format: docs/sdk-contract.md.

/**
 * NPS category of a 0–10 score (METRICS.md: promoters 9–10, passives 7–8, detractors 0–6).
 * @param {number} score
 * @returns {'promoter'|'passive'|'detractor'}
 */
export var npsCategory = (score) => (score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor');

/**
 * The scale of a scored step: nps 0–10, ces 1–5 or 1–7 (step.scale, default 7), csat 1–5.
 * @param {{kind: string, scale?: number|null}} step
 * @returns {{min: number, max: number}|null} null for a step without a scale
 */
export function scaleOf(step) {
  var k = step.kind;
  if (k == 'nps') return { min: 0, max: 10 };
  if (k == 'csat') return { min: 1, max: 5 };
  if (k == 'ces') return { min: 1, max: step.scale == 5 ? 5 : 7 };
  return null;
}

/**
 * The follow-up question for an NPS score (step.followup by category), or null.
 * @param {{kind: string, followup?: object|null}} step
 * @param {number} score
 * @returns {string|null}
 */
export function followupFor(step, score) {
  var f = step.kind == 'nps' && step.followup;
  return (f && f[npsCategory(score)]) || null;
}

/**
 * The radiogroup keyboard model (WAI-ARIA radio group, with "select" kept separate from
 * "move" so that browsing the scale never sends an answer): arrows move (wrapping),
 * Home/End jump to the ends, Enter/Space select the focused option, and digits select
 * the option with that value directly (NPS 0–9; 1–5 / 1–7 on CES and CSAT).
 * @param {string} key KeyboardEvent.key
 * @param {number} i the focused option's index
 * @param {number} n how many options
 * @param {number|null} [min] value of option 0 (digits only work when given)
 * @returns {{move: number}|{pick: number}|null}
 */
export function scaleKey(key, i, n, min) {
  if (key == 'ArrowRight' || key == 'ArrowDown') return { move: (i + 1) % n };
  if (key == 'ArrowLeft' || key == 'ArrowUp') return { move: (i - 1 + n) % n };
  if (key == 'Home') return { move: 0 };
  if (key == 'End') return { move: n - 1 };
  if (key == 'Enter' || key == ' ') return { pick: i };
  var j = /^[0-9]$/.test(key) && min != null ? +key - min : -1;
  return j >= 0 && j < n ? { pick: j } : null;
}

// Screen-reader words for each fifth of a scale, by question kind ("7 — likely").
var WORDS = {
  en: {
    nps: ['very unlikely', 'unlikely', 'neutral', 'likely', 'very likely'],
    ces: ['very difficult', 'difficult', 'neutral', 'easy', 'very easy'],
    csat: ['very dissatisfied', 'dissatisfied', 'neutral', 'satisfied', 'very satisfied'],
  },
  ja: {
    nps: ['まったく可能性がない', '可能性が低い', 'どちらでもない', '可能性が高い', '非常に可能性が高い'],
    ces: ['とても難しい', '難しい', 'どちらでもない', '簡単', 'とても簡単'],
    csat: ['とても不満', '不満', 'どちらでもない', '満足', 'とても満足'],
  },
};

/**
 * The accessible name of one scale option: "7 — likely"; the ends use the author's
 * low/high labels when there are any ("0 — Not at all likely").
 * @param {{kind: string, low_label?: string|null, high_label?: string|null}} step
 * @param {number} v the option's value
 * @param {{min: number, max: number}} sc
 * @param {string} lang 'en' | 'ja' (others: English)
 * @returns {string}
 */
export function optionLabel(step, v, sc, lang) {
  var words = (WORDS[lang] || WORDS.en)[step.kind] || WORDS.en.nps;
  var p = (v - sc.min) / (sc.max - sc.min);
  var w = (v == sc.min && step.low_label) || (v == sc.max && step.high_label) ||
    words[p < 0.15 ? 0 : p < 0.45 ? 1 : p < 0.55 ? 2 : p < 0.85 ? 3 : 4];
  return v + ' \u2014 ' + w;
}
