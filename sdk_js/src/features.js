// No-code feature tagging (docs/features.md, METRICS.md "Feature adoption"): the click
// rules of bootstrap `features` are matched by ONE delegated capture-phase click listener
// on the document — no per-element listeners, so lists a single-page app re-renders need
// nothing. One `feature_used` per matching feature per click (sdk-contract.md "Features").
// URL rules are counted by the server from the page_view events it already has
// (retroactively), so the SDK sends nothing for them.
import { squash } from './render/target.js'; // the same text check as a step target

/**
 * Compile bootstrap `features` for matching: per feature (`k`), its rules (`r`) with the
 * rule's index `i`, usable selectors `s` (click rules only; strict: the first only, as for
 * a step target) and as one list `a`, strictness `m` and wanted text `t`; and `any`, every selector as one
 * list, so a click on nothing tagged costs one `closest()`.
 * @param {{key: string, rules: object[]}[]} [features]
 * @param {(sel: string) => any} [valid] is the selector usable here (invalid ones are skipped)
 * @returns {{any: string, list: {k: string, r: {i: number, s: string[], a: string, m?: string, t: string|false}[]}[]}}
 */
export function compileFeatures(features, valid) {
  var any = [];
  var list = (features || []).map((f) => ({
    k: f.key,
    r: (f.rules || []).map((r, i) => {
      var t = (r.kind == 'click' && r.target) || {}; // the server delivers targets as objects
      var m = t.strictness;
      var s = (t.selectors || []).slice(0, m == 'strict' ? 1 : 1e3).filter(valid);
      any.push(...s);
      return { i: i, s: s, a: s.join(), m: m, t: m != 'loose' && squash(t.text) };
    }),
  }));
  return { any: any.join(), list: list };
}

/**
 * The features a click on `el` uses: [{key, rule}] (rule = index in the feature's
 * delivered `rules`), at most one per feature. A rule matches when one of its candidates
 * matches `el` or an ancestor whose text contains `text` (strict and normal); strict also
 * needs its selector to match exactly one element of the document (`count`, asked only
 * once an element matched).
 * Cost: one closest() over every selector finds the nearest ancestor that anything
 * matches (a click on nothing tagged ends there); only at such an ancestor are the rules
 * tried, one matches() each — never each selector against every ancestor.
 * @param {ReturnType<typeof compileFeatures>} c
 * @param {Element} el the clicked element
 * @param {(sel: string) => number} count elements in the document matching sel
 * @returns {{key: string, rule: number}[]}
 */
export function featuresHit(c, el, count) {
  var out = [];
  var done = {};
  for (var a = c.any && el.closest(c.any); a; a = a.parentElement && a.parentElement.closest(c.any)) {
    c.list.forEach((f) => done[f.k] || f.r.some((r) => r.a && a.matches(r.a) && r.s.some((s) =>
      a.matches(s) && (!r.t || squash(a.textContent).includes(r.t)) && (r.m != 'strict' || count(s) == 1)) &&
      (done[f.k] = out.push({ key: f.k, rule: r.i }))));
  }
  return out;
}

/**
 * Feature tagging for one SDK instance; its one listener lives on disposer `o.disposer`.
 * @param {{disposer: any, send: (type: string, fields: object) => void, log: any}} o
 * @returns {{load: (features?: object[]) => void}} load: a bootstrap's `features` (none: stop)
 */
export function createFeatures(o) {
  var c = compileFeatures();
  var frag;
  o.disposer.listen(document, 'click', (e) => {
    // At the document, a click inside a shadow root is retargeted to its host: app
    // components match by their host, and our own widgets (data-shirube-root) never.
    var el = e.target;
    if (el.closest && !el.hasAttribute('data-shirube-root')) {
      featuresHit(c, el, (s) => document.querySelectorAll(s).length).forEach((x) => {
        o.log(31, x.key); // feature_used
        o.send('feature_used', { name: x.key, properties: { rule: x.rule, url: location.href } });
      });
    }
  }, true);
  return {
    load: (features) => {
      c = compileFeatures(features, (s) => {
        try {
          return (frag = frag || document.createDocumentFragment()).querySelector(s), 1;
        } catch (e) { /* invalid here: skipped */ }
      });
    },
  };
}
