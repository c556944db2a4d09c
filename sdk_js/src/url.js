// Pure URL rule matching: {match: exact|prefix|glob|regex, value, query?}.
// Matched against pathname + search + hash ("/app/#/completed").

var bad = {};
var trim = (p) => (p.length > 1 ? p.replace(/\/+$/, '') : p);

/** Glob to RegExp: `*` is any run of characters (including "/"); everything else is literal. */
export var globRe = (g) => RegExp('^' + g.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*') + '$');

/**
 * Does `url` satisfy `rule`? A null rule matches every page; an invalid regex matches nothing.
 * Exact and glob rules without "?"/"#" ignore the page's query and hash.
 * @param {{match: string, value: string, query?: Object<string,string>}|null} rule
 * @param {string|{href: string}} url full URL, path, or a Location
 * @param {(msg: string, ...a: any[]) => void} [onError] told once per invalid regex
 * @returns {boolean}
 */
export function matchUrl(rule, url, onError) {
  if (!rule) return true;
  var u;
  try {
    u = new URL(url.href || url, 'http://x');
  } catch (e) {
    return false;
  }
  for (var k in rule.query) if (u.searchParams.get(k) !== String(rule.query[k])) return false;
  var v = String(rule.value ?? '');
  var m = rule.match;
  var path = u.pathname + u.search + u.hash;
  var bare = !/[?#]/.test(v);
  if (!v && m != 'exact') return true;
  if (m == 'exact') return v == path || (bare && trim(v) == trim(u.pathname));
  if (m == 'prefix') return !path.indexOf(v);
  if (m == 'glob') return globRe(v).test(path) || (bare && globRe(v).test(u.pathname));
  if (m == 'regex') {
    try {
      return RegExp(v).test(path);
    } catch (e) {
      if (onError && !bad[v]) onError('bad regex ' + v, e);
      bad[v] = 1;
    }
  }
  return false;
}
