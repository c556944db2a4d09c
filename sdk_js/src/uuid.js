// UUIDv7 (RFC 9562): 48-bit unix ms, version, 12-bit counter, variant, 62 random bits.
// Monotonic within one page: the 12-bit field counts up inside a millisecond, and the
// timestamp never goes backwards (clock skew or counter overflow borrow the next ms).

var lastMs = -1;
var seq = 0;

/**
 * A new time-ordered UUIDv7 string; ids from one page sort in creation order.
 * @param {number} [now] ms since epoch (tests pass it)
 * @returns {string}
 */
export function uuidv7(now) {
  var ms = now ?? Date.now();
  // Eight random 16-bit words; 3 becomes version + counter, 4 variant + 14 random bits.
  var r = crypto.getRandomValues(new Uint16Array(8));
  if (ms > lastMs) (lastMs = ms), (seq = r[0] & 0x7ff); // a random start in the low half leaves room to count
  else if (++seq > 0xfff) lastMs++, (seq = 0);
  r[3] = 0x7000 | seq;
  r[4] |= 0x8000;
  r[4] &= 0xbfff;
  var h = (lastMs + 2 ** 48).toString(16).slice(1);
  for (var i = 3; i < 8; i++) h += (r[i] + 65536).toString(16).slice(1);
  return h.replace(/(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
}
