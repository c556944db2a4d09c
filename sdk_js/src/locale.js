// Which language a guide is shown in, and the guide with that variant merged in.

/** A language tag compared loosely: lower case, '-' for '_'. */
export var norm = (t) => String(t || '').toLowerCase().replace(/_/g, '-');
/** The primary subtag of a normalised tag. */
export var primary = (t) => t.split('-')[0];

/**
 * The first wanted locale that matches an available one: full tag, then primary subtag.
 * @param {string[]} wanted in order of preference (trait, init option, navigator.language)
 * @param {string[]} available e.g. Object.keys(guide.translations)
 * @returns {string|null} the available tag, as spelt there
 */
export function pickLocale(wanted, available) {
  for (var w of wanted.map(norm)) {
    var hit = w && (available.find((a) => norm(a) == w) || available.find((a) => primary(norm(a)) == primary(w)));
    if (hit) return hit;
  }
  return null;
}

/**
 * The guide in the best language for `wanted`: a translation merged over the default
 * (step by step, only the fields it sets), or the guide as authored.
 * @param {object} guide bootstrap guide
 * @param {string[]} wanted
 * @returns {{guide: object, lang: string}}
 */
export function localizeGuide(guide, wanted) {
  var tr = guide.translations || {};
  var base = guide.locale || 'en';
  var lang = pickLocale(wanted, [base].concat(Object.keys(tr)));
  var t = lang && lang != base && tr[lang];
  if (!t) return { guide: guide, lang: base };
  var steps = (guide.steps || []).map((s, i) => ({ ...s, ...defined(t.steps && t.steps[i]) }));
  return { guide: { ...guide, ...defined({ name: t.name }), steps: steps }, lang: lang };
}

function defined(o) {
  var r = {};
  for (var k in o) if (o[k] != null) r[k] = o[k];
  return r;
}
