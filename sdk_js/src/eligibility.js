// Which guides may show now: ONE pure function over the bootstrap guides, this
// browser's merged state, and the moment (url, now, session, what is on screen).

import { matchUrl } from './url.js';

export var DAY = 86400000;

/**
 * The ordered candidates (priority desc, then key) that may show now.
 * A tour in progress (step > 0, not completed/dismissed) resumes at its step when that
 * step's url matches, exempt from frequency and cooldown (it is the same interruption),
 * but still never over another interruptive guide.
 *
 * @param {object[]} guides bootstrap guides
 * The caller (engine.js) gives every argument in full (mergeState's shape, all of ctx
 * but throttle and onError): nothing here re-checks it.
 * @param {{g: Object<string, {seen?: number, step?: number, completed?: boolean, dismissed?: boolean,
 *   snoozed_until?: number, last?: number, paused?: boolean}>, t: number[]}} local merged state;
 *   `t` = times (ms) automatic interruptive guides were shown
 * @param {{url: string, now: number, session: {d?: string[], s?: string[]},
 *   active: Object<string, {interrupt: boolean}>, missing: Object<string, any>,
 *   throttle?: {cooldown_minutes?: number, max_per_day?: number},
 *   log: (why: number, key: string, x?: any) => void, onError?: Function}} ctx
 *   session.d: guides dismissed in this browser session, session.s: shown in this session
 * @returns {{guide: object, step: number, resume: boolean}[]}
 */
export function eligibleGuides(guides, local, ctx) {
  var now = ctx.now;
  var session = ctx.session;
  var active = ctx.active;
  var why = ctx.log;
  var th = ctx.throttle || {};
  var shows = local.t;
  var busy = Object.values(active).some((a) => a.interrupt);
  var lastShow = Math.max(0, ...shows);
  var today = shows.filter((t) => now - t < DAY).length;
  var cooldown = (th.cooldown_minutes ?? 10) * 60000;
  var perDay = th.max_per_day ?? 3;
  var url = (rule) => matchUrl(rule, ctx.url, ctx.onError);
  var out = [];

  guides.forEach((g) => {
    var k = g.key;
    var st = local.g[k] || {};
    var steps = g.steps || [];
    var step = st.step | 0;
    var f = g.frequency || {};
    var days = f.days || 1;
    var seen = st.seen | 0;
    var mode = f.mode;
    var trig = g.trigger || {};
    var has = (list) => list && list.includes(k);
    var no = (code, x) => why(code, k, x); // reasons: debug.js
    var ok = (step, resume) => out.push({ guide: g, step: step, resume: resume });
    if (active[k]) return no(0);
    if (!steps.length) return no(1);
    if (ctx.missing[k]) return no(2);
    if (st.snoozed_until > now) return no(3);
    if (!st.completed && !st.dismissed && step > 0 && step < steps.length) {
      if (!url(steps[step].url)) return no(4, step);
      if (g.interrupt && busy) return no(5);
      return ok(step, true);
    }
    if (trig.on == 'manual') return no(6);
    if (!url(trig.url)) return no(7);
    if (!url(steps[0].url)) return no(8);
    if (mode == 'until_completed') {
      if (st.completed) return no(9);
      if (has(session.d)) return no(10);
    } else if (mode == 'every_days') {
      // A showing answered with "ask me later" is governed by its (expired) snooze instead.
      if (!(st.snoozed_until >= st.last) && now - st.last < days * DAY) return no(11, days);
    } else if (mode == 'max_times') {
      if (seen >= (f.times || 1)) return no(12, seen);
      if (has(session.s)) return no(13);
    } else if (seen || st.completed || st.dismissed) return no(14);
    if (g.interrupt) {
      if (busy) return no(15);
      if (now - lastShow < cooldown) return no(16);
      if (today >= perDay) return no(17, today);
    }
    ok(0, false);
  });
  return out.sort((a, b) => (b.guide.priority || 0) - (a.guide.priority || 0) || (a.guide.key < b.guide.key ? -1 : 1));
}

/**
 * Merge the server's per-guide state into this browser's: counts take the max, flags OR,
 * so what this browser did (maybe not flushed yet) is never forgotten.
 * @param {{g?: object, t?: number[]}|null} local
 * @param {object[]} guides bootstrap guides (with `state`)
 * @returns {{g: object, t: number[]}}
 */
export function mergeState(local, guides) {
  local = local || {};
  var out = { g: { ...local.g }, t: [...(local.t || [])] };
  guides.forEach((g) => {
    var s = g.state || {};
    var l = out.g[g.key] || {};
    var m = (out.g[g.key] = { ...l });
    // counts take the max, flags OR
    ['seen', 'step'].forEach((k) => (m[k] = Math.max(l[k] | 0, s[k] | 0)));
    ['completed', 'dismissed'].forEach((k) => (m[k] = !!(l[k] || s[k])));
    m.snoozed_until = Math.max(l.snoozed_until || 0, Date.parse(s.snoozed_until) || 0) || null;
  });
  return out;
}
