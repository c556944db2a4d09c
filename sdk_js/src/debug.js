// Entry of the lazy chunk shirube-debug.js (build.mjs), loaded by log.js only when
// init({debug: true}): the words of the debug decision log. The core logs a number and
// its data, log(code, ...data) (codes: the index in M, listed in src/log.js); this turns
// them into console.log arguments. Not part of the end-user bundle.

var G = 'guide "$1" ';
var NO = G + 'not shown: ';
var FR = NO + 'frequency: ';
var RETRY = ': HTTP $1, retry in $2 ms';
var BUSY = 'another interruptive guide is showing';
var M = [
  // 0-15: eligibility (eligibility.js: why(key, code, x)), $2 = x
  NO + 'already showing',
  NO + 'no steps',
  NO + 'target missing',
  NO + 'snoozed',
  NO + 'resume: url does not match step $2',
  NO + 'resume: ' + BUSY,
  NO + 'manual trigger only',
  NO + 'url does not match trigger',
  NO + 'url does not match step 0',
  FR + 'completed',
  FR + 'dismissed in this session',
  FR + 'seen < $2 days ago',
  FR + 'seen $2 times',
  FR + 'shown in this session',
  FR + 'once, seen',
  NO + 'throttle: ' + BUSY,
  // 16
  NO + 'throttle: cooldown',
  NO + 'throttle: $2 shown in 24 h',
  // 18-25: engine.js
  G + 'triggered but not eligible',
  G + 'eligible; waiting for trigger',
  // (key, candidate {step, resume}, manual, lang)
  (k, c, manual, lang) => [G.replace('$1', k) + 'showing from step ' + c.step + (manual ? ' (manual)' : c.resume ? ' (resumed)' : '') + ' in ' + lang],
  G + 'paused at step $2',
  G + 'step $2: target missing',
  G + 'ended: $2',
  G + 'already showing',
  (guides) => ['bootstrap: ' + guides.length + ' guide(s)', guides.map((g) => g.key)],
  // 26-30: api.js
  'bootstrap for user "$1"',
  'bootstrap' + RETRY,
  'init again: ignored',
  'route: $1',
  (host, key) => ['init', { host: host, key: key }],
  // 31-33: features.js, transport.js
  'feature_used $1',
  'events' + RETRY,
  (evs, data) => ['events sent', evs.length, data],
];
/**
 * One log line: [code, ...data] -> console.log arguments (data not in the text follows it).
 * A table entry is a text with $1… for the data, or a function of the data.
 * @param {any[]} a
 * @returns {any[]}
 */
export function explain(a) {
  var m = M[a[0]];
  if (typeof m == 'function') return m(...a.slice(1));
  var used = 1;
  var text = String(m ?? a[0]).replace(/\$(\d)/g, (_, i) => {
    used = Math.max(used, +i + 1);
    return a[i];
  });
  return [text, ...a.slice(used).filter((x) => x !== undefined)];
}
