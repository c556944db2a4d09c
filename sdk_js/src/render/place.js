// Where a card goes next to its target: our own small positioning (the card lives in a
// fixed host at the viewport's 0,0 in the top layer, so the viewport is the one clipping
// box and viewport coordinates are the card's left/top). Pure, so node tests cover it.

var GAP = 12; // card ↔ target
var PAD = 8; // card ↔ viewport edge, and arrow ↔ card corner
var ARROW = 10;
var OPP = { top: 'bottom', bottom: 'top', left: 'right', right: 'left' };

/**
 * Place a `w`×`h` card next to rect `r` in a `W`×`H` viewport, wanting `want`
 * (top|bottom|left|right, optionally -start|-end). Flip: the wanted side, then the
 * opposite one, then (no room on either, e.g. a narrow phone) the other axis, end side
 * first; the first where the card fits on its side wins, else the one overflowing least
 * there (of the wanted axis or above/below).
 * Shift: then kept PAD inside the viewport on both axes. The arrow points at the target's
 * centre, PAD from the card's corners.
 * @param {{left: number, top: number, right: number, bottom: number, width: number, height: number}} r
 * @returns {{x: number, y: number, p: string, ax: number|null, ay: number|null}} p: the placement used
 */
export function place(r, w, h, W, H, want) {
  var parts = String(want || 'bottom').split('-');
  var side = OPP[parts[0]] ? parts[0] : 'bottom';
  var al = parts[1] ? '-' + parts[1] : '';
  var y = side == 'top' || side == 'bottom';
  var sides = [side, OPP[side]].concat(y ? ['right', 'left'] : ['bottom', 'top']);
  var best, least = Infinity;
  sides.some((s) => {
    var c = coords(r, w, h, s, al);
    // how far the card overflows the viewport (less PAD) on its own side
    var o = [PAD - c.y, c.x + w - W + PAD, c.y + h - H + PAD, PAD - c.x][['top', 'right', 'bottom', 'left'].indexOf(s)];
    // nothing fits: the least overflow, on the wanted axis or above/below (never beside a top/bottom card)
    if (o < least && (!y || s == 'top' || s == 'bottom')) (least = o), (best = c);
    return o <= 0 && (best = c);
  });
  var clamp = (v, lo, hi) => Math.max(lo, Math.min(v, hi));
  var x = clamp(best.x, PAD, W - PAD - w);
  var yy = clamp(best.y, PAD, H - PAD - h);
  var vert = best.s == 'top' || best.s == 'bottom';
  // the arrow along the card's edge facing the target, pointing at the target's centre
  var a = vert ? r.left + r.width / 2 - x : r.top + r.height / 2 - yy;
  a = clamp(a - ARROW / 2, PAD, (vert ? w : h) - PAD - ARROW);
  return { x: x, y: yy, p: best.s + al, ax: vert ? a : null, ay: vert ? null : a };
}

function coords(r, w, h, s, al) {
  var v = s == 'top' || s == 'bottom';
  // cross axis: centred, or aligned with the target's start/end edge
  var x = al == '-start' ? r.left : al == '-end' ? r.right - w : r.left + r.width / 2 - w / 2;
  var y = al == '-start' ? r.top : al == '-end' ? r.bottom - h : r.top + r.height / 2 - h / 2;
  return {
    s: s,
    x: v ? x : s == 'left' ? r.left - GAP - w : r.right + GAP,
    y: v ? (s == 'top' ? r.top - GAP - h : r.bottom + GAP) : y,
  };
}
