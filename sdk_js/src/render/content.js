// Author HTML (already sanitised on the server) becomes DOM nodes without innerHTML on a
// live document: it is parsed inertly by DOMParser (no scripts run, no images load there)
// and only allowed elements and attributes are re-created. Defence in depth.

/** Elements re-created as themselves (a space-delimited list: " tag " lookups). */
export var ALLOWED = ' p br strong b em i a ul ol li code pre blockquote h1 h2 h3 h4 img span ';
/** Elements dropped with everything inside; any other element is unwrapped (its text kept). */
export var DROPPED = ' script style template iframe object noscript svg math textarea select title ';

/**
 * The URL if it is absolute https: (or mailto: for links), else null. Relative and
 * javascript:/data: URLs are refused; URL() also strips the tab/newline tricks.
 * @param {string|null} u
 * @param {boolean} [img] images allow https: only
 * @returns {string|null}
 */
export function safeUrl(u, img) {
  try {
    // No attribute (most elements): no URL() to fail, since an exception costs ~1 ms (stack).
    var x = u && new URL(u);
    return x && (x.protocol == 'https:' || (!img && x.protocol == 'mailto:')) ? x.href : null;
  } catch (e) {
    return null;
  }
}

/**
 * Copy the allowed subset of the children of `from` (an inert tree) into `to`.
 * @param {Node} from
 * @param {Node} to
 * @param {Document} doc creates the new nodes
 */
export function copy(from, to, doc) {
  for (var n = from.firstChild; n; n = n.nextSibling) {
    var tag = n.localName;
    if (n.nodeType == 3) to.append(n.data); // a text node of to's document
    if (n.nodeType != 1 || DROPPED.includes(' ' + tag + ' ')) continue;
    if (!ALLOWED.includes(' ' + tag + ' ')) {
      copy(n, to, doc);
      continue;
    }
    // Only allowed names reach createElement (never a page-registered custom element).
    var el = doc.createElement(tag);
    var u = safeUrl(n.getAttribute(tag == 'img' ? 'src' : 'href'), tag == 'img');
    if (tag == 'img') {
      if (!u) continue;
      el.setAttribute('src', u);
      el.setAttribute('alt', n.getAttribute('alt') || '');
    }
    if (tag == 'a' && u) {
      el.setAttribute('href', u);
      el.setAttribute('target', '_blank');
      el.setAttribute('rel', 'noopener noreferrer');
    }
    copy(n, el, doc);
    to.append(el);
  }
}

/**
 * Sanitised author HTML as a DocumentFragment of the live document.
 * @param {string|null} html
 * @returns {DocumentFragment}
 */
export function fragment(html) {
  var f = document.createDocumentFragment();
  if (html) copy(new DOMParser().parseFromString(html, 'text/html').body, f, document);
  return f;
}
