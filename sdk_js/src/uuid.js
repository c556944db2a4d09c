// UUIDv7 (RFC 9562): 48-bit unix ms, version, 12-bit counter, variant, 62 random bits.
// Monotonic within one page: the 12-bit field counts up inside a millisecond, and the
// timestamp never goes backwards (clock skew or counter overflow borrow the next ms).

var lastMs = -1;
var seq = 0;
var hex = (n, w) => n.toString(16).padStart(w, '0');

/**
 * A new time-ordered UUIDv7 string; ids from one page sort in creation order.
 * @param {number} [now] ms since epoch (tests pass it)
 * @returns {string}
 */
export function uuidv7(now) {
  var ms = now ?? Date.now();
  var r = crypto.getRandomValues(new Uint8Array(10));
  if (ms > lastMs) {
    lastMs = ms;
    seq = ((r[0] & 7) << 8) | r[1]; // random start in the low half leaves room to count
  } else if (++seq > 0xfff) {
    lastMs++;
    seq = 0;
  }
  var h = hex(lastMs, 12) + hex(0x7000 | seq, 4) + hex(0x80 | (r[2] & 0x3f), 2);
  for (var i = 3; i < 10; i++) h += hex(r[i], 2);
  return h.replace(/(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
}
