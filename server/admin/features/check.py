"""The "test" of a click rule: how many elements each selector matches on a page of the app.

The server cannot read the customer's pages, and the visual builder (server/admin/builder)
opens the app only for a guide step's target. So the check runs where the page is: the
admin copies a short script built here and runs it in the browser console on the app's
page. It counts the matches of every selector and, the way the SDK matches clicks
(sdk_js/src/features.js `featuresHit`: a click on a matching element or inside it; every
candidate for "normal" and "loose", only the first for "strict", which must then match
exactly one element; `text` narrows "normal" and "strict"), how many elements' clicks
would count. The rule's data enters the script only as JSON.
"""

from __future__ import annotations

import json
from typing import Any

_SCRIPT = """((t) => {
  const sq = (s) => String(s || '').replace(/\\s+/g, ' ').trim().toLowerCase();
  const want = t.strictness != 'loose' && sq(t.text);
  const used = t.strictness == 'strict' ? t.selectors.slice(0, 1) : t.selectors;
  const all = (s) => {
    try { return [...document.querySelectorAll(s)]; } catch (e) { return null; } };
  const counted = new Set();
  console.table(t.selectors.map((s) => { const l = all(s);
    if (!l) return {selector: s, matches: 'not a valid selector'};
    const hits = l.filter((e) => !want || sq(e.textContent).includes(want));
    const usable = used.includes(s) && (t.strictness != 'strict' || l.length == 1);
    if (usable) hits.forEach((e) => counted.add(e));
    return {selector: s, matches: l.length, 'with the text': want ? hits.length : '-',
            counts: usable}; }));
  console.log('Shirube: clicks on (or inside) ' + counted.size
              + ' element(s) of this page count as a use', [...counted]);
  return counted.size;
})(%s)"""


def check_script(rule: dict[str, Any]) -> str:
    """The console script for one click rule (its target as JSON)."""
    target = rule.get("target") or {}
    data = {"selectors": list(target.get("selectors") or []), "text": target.get("text"),
            "strictness": target.get("strictness") or "normal"}
    return _SCRIPT % json.dumps(data, ensure_ascii=False)
