// The pure parts of the survey widgets (src/render/survey-model.js).
import test from 'node:test';
import assert from 'node:assert/strict';
import { followupFor, npsCategory, optionLabel, scaleKey, scaleOf } from '../src/render/survey-model.js';

test('NPS category: detractors 0–6, passives 7–8, promoters 9–10 (METRICS.md)', () => {
  assert.equal(Array.from({ length: 11 }, (_, s) => npsCategory(s)[0]).join(''), 'ddddddd' + 'pp' + 'pp');
  assert.deepEqual([0, 6, 7, 8, 9, 10].map(npsCategory), ['detractor', 'detractor', 'passive', 'passive', 'promoter', 'promoter']);
});

test('scales: nps 0–10, csat 1–5, ces 1–5 or 1–7 (default 7), none for follow-ups', () => {
  assert.deepEqual(scaleOf({ kind: 'nps', scale: 10 }), { min: 0, max: 10 });
  assert.deepEqual(scaleOf({ kind: 'csat', scale: 5 }), { min: 1, max: 5 });
  assert.deepEqual(scaleOf({ kind: 'ces', scale: 5 }), { min: 1, max: 5 });
  assert.deepEqual(scaleOf({ kind: 'ces', scale: 7 }), { min: 1, max: 7 });
  assert.deepEqual(scaleOf({ kind: 'ces', scale: null }), { min: 1, max: 7 });
  assert.equal(scaleOf({ kind: 'text' }), null);
  assert.equal(scaleOf({ kind: 'thank_you' }), null);
});

test('the follow-up question depends on the category; null entries ask nothing', () => {
  const step = { kind: 'nps', followup: { promoter: 'Love?', passive: null, detractor: 'Fix?' } };
  assert.equal(followupFor(step, 10), 'Love?');
  assert.equal(followupFor(step, 9), 'Love?');
  assert.equal(followupFor(step, 8), null);
  assert.equal(followupFor(step, 6), 'Fix?');
  assert.equal(followupFor(step, 0), 'Fix?');
  assert.equal(followupFor({ kind: 'nps', followup: null }, 3), null);
  assert.equal(followupFor({ kind: 'ces', followup: { detractor: 'x' } }, 1), null, 'NPS only');
});

test('keyboard: arrows move and wrap, Home/End, Enter/Space select, digits select by value', () => {
  assert.deepEqual(scaleKey('ArrowRight', 3, 11, 0), { move: 4 });
  assert.deepEqual(scaleKey('ArrowDown', 10, 11, 0), { move: 0 });
  assert.deepEqual(scaleKey('ArrowLeft', 0, 11, 0), { move: 10 });
  assert.deepEqual(scaleKey('ArrowUp', 5, 11, 0), { move: 4 });
  assert.deepEqual(scaleKey('Home', 5, 11, 0), { move: 0 });
  assert.deepEqual(scaleKey('End', 5, 11, 0), { move: 10 });
  assert.deepEqual(scaleKey('Enter', 7, 11, 0), { pick: 7 });
  assert.deepEqual(scaleKey(' ', 2, 11, 0), { pick: 2 });
  assert.deepEqual(scaleKey('0', 5, 11, 0), { pick: 0 }, 'NPS 0');
  assert.deepEqual(scaleKey('9', 5, 11, 0), { pick: 9 }, 'NPS 9');
  assert.deepEqual(scaleKey('1', 0, 7, 1), { pick: 0 }, 'CES value 1 is option 0');
  assert.deepEqual(scaleKey('7', 0, 7, 1), { pick: 6 });
  assert.equal(scaleKey('8', 0, 7, 1), null, 'off the scale');
  assert.equal(scaleKey('0', 0, 5, 1), null, 'below the scale');
  assert.equal(scaleKey('3', 0, 4, null), null, 'choices have no digit shortcuts');
  assert.equal(scaleKey('a', 0, 11, 0), null);
  assert.equal(scaleKey('Tab', 0, 11, 0), null, 'Tab leaves the group');
});

test('screen-reader labels: "7 — likely", author labels at the ends, Japanese words', () => {
  const nps = { kind: 'nps', low_label: 'Not at all likely', high_label: 'Extremely likely' };
  const sc = { min: 0, max: 10 };
  assert.equal(optionLabel(nps, 7, sc, 'en'), '7 \u2014 likely');
  assert.equal(optionLabel(nps, 0, sc, 'en'), '0 \u2014 Not at all likely');
  assert.equal(optionLabel(nps, 10, sc, 'en'), '10 \u2014 Extremely likely');
  assert.equal(optionLabel({ kind: 'nps' }, 0, sc, 'en'), '0 \u2014 very unlikely');
  assert.equal(optionLabel({ kind: 'nps' }, 5, sc, 'en'), '5 \u2014 neutral');
  assert.equal(optionLabel({ kind: 'nps' }, 3, sc, 'ja'), '3 \u2014 可能性が低い');
  // CES 1–7: 5 and 6 read "easy" (the "easy" share counts ≥ 5 of 7), 4 is neutral.
  const ces = { kind: 'ces' };
  const c7 = { min: 1, max: 7 };
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((v) => optionLabel(ces, v, c7, 'en').split(' \u2014 ')[1]),
    ['very difficult', 'difficult', 'difficult', 'neutral', 'easy', 'easy', 'very easy']);
  assert.equal(optionLabel({ kind: 'csat' }, 4, { min: 1, max: 5 }, 'fr'), '4 \u2014 satisfied', 'unknown language: English');
});
