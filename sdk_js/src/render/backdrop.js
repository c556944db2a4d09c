// The dimming layer behind a guide: one SVG path, the whole viewport minus a rounded
// cut-out around the target (even-odd fill), so the target stays visible and clickable.

/**
 * The SVG path for the viewport with a hole around `r` (a DOMRect, padded by 6px, corner
 * radius up to 6px), or no hole for null.
 * @param {{left: number, top: number, width: number, height: number}|null} r
 * @returns {string}
 */
export function holePath(r) {
  var p = 'M0 0H99999V99999H0Z';
  if (!r) return p;
  var w = r.width + 12, hh = r.height + 12;
  var c = Math.min(6, w / 2, hh / 2);
  var a = (dx, dy) => 'a' + c + ' ' + c + ' 0 0 1 ' + dx + ' ' + dy;
  return p + 'M' + (r.left - 6 + c) + ' ' + (r.top - 6) + 'h' + (w - 2 * c) + a(c, c) + 'v' + (hh - 2 * c) + a(-c, c) +
    'h' + (2 * c - w) + a(-c, -c) + 'v' + (2 * c - hh) + a(c, -c) + 'Z';
}

/** Create the backdrop first in `root`: {el, hole(rect|null)}. Removal is the caller's. */
export function backdrop(root) {
  var NS = 'http://www.w3.org/2000/svg';
  var svg = document.createElementNS(NS, 'svg');
  var path = document.createElementNS(NS, 'path');
  svg.setAttribute('data-testid', 'shirube-backdrop');
  svg.setAttribute('aria-hidden', 'true');
  svg.append(path);
  root.prepend(svg);
  return { el: svg, hole: (r) => { path.setAttribute('d', holePath(r)); } };
}
