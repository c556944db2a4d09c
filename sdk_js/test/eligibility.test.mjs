import { explain } from '../src/debug.js';
import test from 'node:test';
import assert from 'node:assert/strict';
import { eligibleGuides, mergeState } from '../src/eligibility.js';

const NOW = Date.parse('2026-11-23T08:00:00Z');
const MIN = 60000;
const DAY = 86400000;

function guide(key, over = {}) {
  return {
    key,
    type: 'modal',
    priority: 0,
    interrupt: true,
    trigger: { url: null, on: 'page_load' },
    frequency: { mode: 'once' },
    steps: [{ kind: 'modal', url: null }],
    state: { seen: 0, step: 0, completed: false, dismissed: false, snoozed_until: null },
    ...over,
  };
}
const keys = (c) => c.map((x) => x.guide.key);
const run = (guides, local = { g: {}, t: [] }, ctx = {}) =>
  eligibleGuides(guides, local, {
    url: 'https://app.example/app/home', now: NOW, session: {}, active: {}, missing: {}, log: () => {}, ...ctx,
  });

test('candidates are ordered by priority desc, then key', () => {
  const gs = [guide('b', { interrupt: false }), guide('a', { interrupt: false }), guide('z', { priority: 5, interrupt: false })];
  assert.deepEqual(keys(run(gs)), ['z', 'a', 'b']);
});

test('trigger url must match; manual guides are never automatic', () => {
  const gs = [
    guide('reports', { trigger: { on: 'page_load', url: { match: 'prefix', value: '/app/reports' } } }),
    guide('home', { trigger: { on: 'page_load', url: { match: 'exact', value: '/app/home' } }, interrupt: false }),
    guide('man', { trigger: { on: 'manual' }, interrupt: false }),
  ];
  const why = [];
  assert.deepEqual(keys(run(gs, undefined, { log: (w, k, x) => why.push(explain([w, k, x])[0]) })), ['home']);
  assert.ok(why.some((w) => w.startsWith('guide "reports" not shown: url')));
  assert.ok(why.some((w) => w.startsWith('guide "man" not shown: manual')));
});

test('frequency once: never again after seen (locally, before any flush)', () => {
  const g = guide('w');
  assert.deepEqual(keys(run([g])), ['w']);
  assert.deepEqual(keys(run([g], { g: { w: { seen: 1 } }, t: [] })), []);
  assert.deepEqual(keys(run([g], { g: { w: { dismissed: true } }, t: [] })), []);
});

test('until_completed: hidden after completion, and after a dismissal only for this session', () => {
  const g = guide('u', { frequency: { mode: 'until_completed' } });
  const local = { g: { u: { seen: 3, dismissed: true } }, t: [] };
  assert.deepEqual(keys(run([g], local, { session: { d: ['u'], s: ['u'] } })), [], 'dismissed this session');
  assert.deepEqual(keys(run([g], local, { session: { d: [], s: [] } })), ['u'], 'next session: again');
  assert.deepEqual(keys(run([g], { g: { u: { seen: 1, completed: true } }, t: [] })), []);
});

test('every_days: again only after N days since last seen', () => {
  const g = guide('e', { frequency: { mode: 'every_days', days: 7 } });
  assert.deepEqual(keys(run([g], { g: { e: { seen: 1, last: NOW - 6 * DAY } }, t: [] })), []);
  assert.deepEqual(keys(run([g], { g: { e: { seen: 1, last: NOW - 7 * DAY - 1 } }, t: [] })), ['e']);
});

test('every_days: a showing answered with "ask me later" returns when the snooze ends', () => {
  const g = guide('s', { frequency: { mode: 'every_days', days: 90 } });
  const snoozed = (until) => ({ g: { s: { seen: 1, last: NOW - 8 * DAY, snoozed_until: until } }, t: [] });
  assert.deepEqual(keys(run([g], snoozed(NOW - DAY))), ['s']);
  assert.deepEqual(keys(run([g], snoozed(NOW + DAY))), []);
  // Seen again after the snooze: the 90 days count from that showing.
  assert.deepEqual(keys(run([g], { g: { s: { seen: 2, last: NOW - DAY, snoozed_until: NOW - 2 * DAY } }, t: [] })), []);
});

test('max_times: up to N times, once per session', () => {
  const g = guide('m', { frequency: { mode: 'max_times', times: 3 } });
  assert.deepEqual(keys(run([g], { g: { m: { seen: 2 } }, t: [] })), ['m']);
  assert.deepEqual(keys(run([g], { g: { m: { seen: 2 } }, t: [] }, { session: { s: ['m'] } })), []);
  assert.deepEqual(keys(run([g], { g: { m: { seen: 3 } }, t: [] })), []);
});

test('snoozed guides wait until snoozed_until', () => {
  const g = guide('s', { frequency: { mode: 'until_completed' } });
  assert.deepEqual(keys(run([g], { g: { s: { snoozed_until: NOW + MIN } }, t: [] })), []);
  assert.deepEqual(keys(run([g], { g: { s: { snoozed_until: NOW - 1 } }, t: [] })), ['s']);
});

test('fatigue budget: one interruptive at a time, cooldown, max per day; non-interruptive exempt', () => {
  const gs = [guide('modal'), guide('banner', { interrupt: false, type: 'banner' })];
  const th = { cooldown_minutes: 10, max_per_day: 3 };
  assert.deepEqual(keys(run(gs, { g: {}, t: [] }, { throttle: th, active: { other: { interrupt: true } } })), ['banner']);
  assert.deepEqual(keys(run(gs, { g: {}, t: [] }, { throttle: th, active: { hs: { interrupt: false } } })), ['banner', 'modal']);
  assert.deepEqual(keys(run(gs, { g: {}, t: [NOW - 9 * MIN] }, { throttle: th })), ['banner'], 'cooldown');
  assert.deepEqual(keys(run(gs, { g: {}, t: [NOW - 11 * MIN] }, { throttle: th })), ['banner', 'modal']);
  const three = [NOW - 23 * 60 * MIN, NOW - 12 * 60 * MIN, NOW - 60 * MIN];
  assert.deepEqual(keys(run(gs, { g: {}, t: three }, { throttle: th })), ['banner'], 'max per day');
  assert.deepEqual(keys(run(gs, { g: {}, t: three.slice(1) }, { throttle: th })), ['banner', 'modal']);
  const why = [];
  run(gs, { g: {}, t: [NOW - MIN] }, { throttle: th, log: (w, k, x) => why.push(explain([w, k, x])[0]) });
  assert.match(why.join('\n'), /cooldown/);
});

test('throttle defaults to 10 minutes and 3 per day when settings omit it', () => {
  assert.deepEqual(keys(run([guide('a')], { g: {}, t: [NOW - 5 * MIN] })), []);
});

test('a tour in progress resumes at its step only where that step lives, ignoring frequency and cooldown', () => {
  const tour = guide('tour', {
    type: 'tour',
    trigger: { on: 'element_click', selector: '#x', url: { match: 'prefix', value: '/app/home' } },
    steps: [{ url: null }, { url: null }, { url: { match: 'prefix', value: '/app/reports' } }],
  });
  const local = { g: { tour: { seen: 1, step: 2, paused: true } }, t: [NOW - MIN] };
  assert.deepEqual(keys(run([tour], local)), [], 'step 2 is on /app/reports');
  const c = run([tour], local, { url: 'https://app.example/app/reports/1' });
  assert.deepEqual(c.map((x) => [x.guide.key, x.step, x.resume]), [['tour', 2, true]]);
  assert.deepEqual(keys(run([tour], local, { url: 'https://app.example/app/reports', active: { m: { interrupt: true } } })), []);
  const done = { g: { tour: { seen: 1, step: 2, completed: true } }, t: [] };
  assert.deepEqual(keys(run([tour], done, { url: 'https://app.example/app/reports' })), []);
});

test('guides already showing or whose target was missing on this page are skipped', () => {
  const gs = [guide('a', { interrupt: false }), guide('b', { interrupt: false })];
  assert.deepEqual(keys(run(gs, undefined, { active: { a: { interrupt: false } }, missing: { b: 1 } })), []);
});

test('mergeState keeps what this browser did and what the server knows', () => {
  const local = { g: { a: { seen: 2, step: 1, last: 5 }, c: { seen: 1 } }, t: [7] };
  const guides = [
    guide('a', { state: { seen: 1, step: 3, completed: false, dismissed: true, snoozed_until: null } }),
    guide('b', { state: { seen: 4, step: 0, completed: true, dismissed: false, snoozed_until: '2026-11-24T00:00:00Z' } }),
  ];
  const m = mergeState(local, guides);
  assert.deepEqual(m.g.a, { seen: 2, step: 3, last: 5, completed: false, dismissed: true, snoozed_until: null });
  assert.equal(m.g.b.seen, 4);
  assert.equal(m.g.b.completed, true);
  assert.equal(m.g.b.snoozed_until, Date.parse('2026-11-24T00:00:00Z'));
  assert.deepEqual(m.g.c, { seen: 1 });
  assert.deepEqual(m.t, [7]);
  assert.deepEqual(local.g.a.step, 1, 'input not mutated');
});
