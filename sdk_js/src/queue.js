// The persistent event queue, shared by the tabs of one origin. One storage item per
// event (`<name>_<id>`), written once and removed once: no tab ever rewrites a shared
// list, so a tab's stale copy of storage cannot bring back events another tab sent
// (browsers sync localStorage between tabs asynchronously). Beside them: `<name>.d`,
// the count of events dropped over the caps; `<name>.f<tab>`, the batch that tab is
// sending {x: expiry, i: ids}.

/**
 * @param {ReturnType<import('./store.js').createStore>} store
 * @param {string} name storage key prefix (one per publishable key)
 * @param {{maxEvents?: number, maxBytes?: number}} [caps] default 1,000 events / 1 MB (the cap)
 */
export function createQueue(store, name, caps) {
  var maxN = (caps && caps.maxEvents) || 1000;
  var maxB = (caps && caps.maxBytes) || 1048576;
  var pre = name + '_';
  var D = name + '.d';
  var F = name + '.f';
  /** Stored events, oldest first (UUIDv7 ids sort by creation time, across tabs too). */
  var all = () => store.keys(pre).sort().map(store.get).filter(Boolean);
  var del = (id) => store.del(pre + id);
  var size = (ev) => JSON.stringify(ev).length; // approximates bytes well enough for a cap
  var dropped = () => store.get(D) | 0;

  return {
    all: all,
    /** Append events; drop the oldest beyond the caps and count the drops. Returns the number dropped. */
    push: (evs) => {
      evs.forEach((ev) => store.set(pre + ev.id, ev));
      var list = all();
      var b = list.reduce((s, ev) => s + size(ev), 0);
      var n = 0;
      for (; list.length > maxN || b > maxB; n++) {
        var ev = list.shift();
        b -= size(ev);
        del(ev.id);
      }
      if (n) store.set(D, dropped() + n);
      return n;
    },
    /** Events dropped over the caps and not reported yet. */
    dropped: dropped,
    /** Remove events by id (after the server accepted or refused them); subtract reported drops. */
    remove: (ids, reported) => {
      ids.forEach(del);
      if (reported) store.set(D, Math.max(0, dropped() - reported));
    },
    /** Mark ids as being sent by `tab` until `until` (ms), or clear the mark (ids null). */
    claim: (tab, ids, until) => (ids ? store.set(F + tab, { x: until, i: ids }) : store.del(F + tab)),
    /** Events no tab is sending right now (expired claims are cleared). */
    free: (now) => {
      var busy = {};
      store.keys(F).forEach((k) => {
        var f = store.get(k);
        if (f && f.x > now) f.i.forEach((id) => (busy[id] = 1));
        else store.del(k);
      });
      return all().filter((ev) => !busy[ev.id]);
    },
    length: () => store.keys(pre).length,
  };
}

/**
 * Split events, in order, into groups whose request body stays within `limit` bytes.
 * An event too big on its own gets a group of its own.
 * @param {object[]} events
 * @param {number} overhead bytes of the body around the events array (`{"key":..,"events":[]}`)
 * @param {number} limit bytes (64 KB for sendBeacon / keepalive fetch)
 * @returns {object[][]}
 */
export function splitBatches(events, overhead, limit) {
  var out = [];
  var cur, n;
  events.forEach((ev) => {
    var b = bytes(JSON.stringify(ev));
    // n counts the body so far, with a comma before every event but the first.
    if (!cur || n + 1 + b > limit) out.push((cur = [])), (n = overhead - 1);
    cur.push(ev);
    n += b + 1;
  });
  return out;
}

/** UTF-8 byte length of a string. */
export var bytes = (s) => new TextEncoder().encode(s).length;
