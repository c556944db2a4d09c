"""Segment definitions: validation, and translation to the targeting evaluator's rules.

Rule segments use the audience rule language (docs/targeting.md) plus two leaf kinds:

- ``{feature: KEY, op: used|not_used, within_days?: D, value?: N}`` — the user used
  feature KEY at least N (default 1) times (in the last D days), a use being what feature
  adoption counts (METRICS.md "Feature adoption", server/features/usage.py): a
  ``feature_used`` event named KEY, a ``track`` event named by one of KEY's event rules, a
  ``page_view`` whose URL matches one of its URL rules. Translated to an event-history leaf
  on the reserved name ``FEATURE_EVENT + KEY`` (``{event: "\0feature:KEY", op:
  count_gte|count_lt, value: N}``): no stored event has that name (event names refuse
  NUL), and the segment evaluators (rules.py in batch, delivery.py at bootstrap) count
  the feature's uses for it (`feature_of`).
- ``{guide: KEY, op: seen|not_seen|completed|not_completed}`` — from the user's guide
  state; translated to a segment leaf on the built-in key ``guide:KEY:seen`` /
  ``guide:KEY:completed``, which the caller puts in ``ctx.segments``.

Computed segments: ``{metric: nps, category}``, ``{metric: rfm, segment, window_days?}``,
``{metric: loyalty, cell}``, ``{metric: lifecycle, stage}``, ``{metric: usage_tier,
tier}``, ``{metric: health, below}`` (users of accounts whose health score is below).
"""

from __future__ import annotations

import math
import re
from typing import Any, Final

from ..metrics.adoption import TIERS
from ..metrics.lifecycle import STAGES
from ..metrics.rfm import SEGMENT_NAMES
from ..targeting.evaluate import compile_tree
from ..targeting.operators import Malformed

KEY_RE: Final = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
NPS_CATEGORIES: Final = ("promoter", "passive", "detractor")
COMPUTED_FIELDS: Final[dict[str, tuple[str, tuple[Any, ...] | None]]] = {
    "nps": ("category", NPS_CATEGORIES),
    "rfm": ("segment", SEGMENT_NAMES),
    "loyalty": ("cell", tuple("ABCDEF")),
    "lifecycle": ("stage", STAGES),
    "usage_tier": ("tier", TIERS),
    "health": ("below", None),
}
#: The event-history name a feature leaf is translated to: FEATURE_EVENT + feature key.
FEATURE_EVENT: Final = "\0feature:"
_FEATURE_OPS: Final[dict[Any, str]] = {"used": "count_gte", "not_used": "count_lt"}
_GUIDE_OPS: Final[dict[Any, tuple[str, str]]] = {
    "seen": ("seen", "member"), "not_seen": ("seen", "not_member"),
    "completed": ("completed", "member"), "not_completed": ("completed", "not_member"),
}


class SegmentError(ValueError):
    """A definition the service refuses; `loc` says where (``definition.all.0.op``)."""

    def __init__(self, loc: str, message: str) -> None:
        super().__init__(message)
        self.loc = loc


def guide_key(guide: str, what: str) -> str:
    """The built-in segment key for a guide leaf (a colon never appears in user keys)."""
    return f"guide:{guide}:{what}"


def feature_of(event_name: str) -> str | None:
    """The feature key of a translated feature leaf's event name; None for a real event."""
    return event_name[len(FEATURE_EVENT):] if event_name.startswith(FEATURE_EVENT) else None


def translate(rule: Any) -> Any:
    """The rule with feature/guide leaves rewritten for the evaluator (other nodes as is)."""
    if not isinstance(rule, dict):
        return rule
    if "feature" in rule and len(rule.keys() - {"feature", "op", "within_days", "value"}) == 0:
        op, count = rule.get("op"), rule.get("value", 1)
        key = rule["feature"]
        name = FEATURE_EVENT + key if isinstance(key, str) and key else key  # bad: compile says
        out = {"event": name, "value": count,
               "op": _FEATURE_OPS.get(op, op)}
        if rule.get("within_days") is not None:
            out["within_days"] = rule["within_days"]
        return out
    if "guide" in rule and rule.keys() <= {"guide", "op"}:
        found = _GUIDE_OPS.get(rule.get("op"))
        if found is None or not isinstance(rule["guide"], str) or not rule["guide"]:
            return {"segment": None, "op": rule.get("op")}  # malformed: compile says why
        return {"segment": guide_key(rule["guide"], found[0]), "op": found[1]}
    out = dict(rule)
    for group in ("all", "any"):
        if isinstance(out.get(group), list):
            out[group] = [translate(item) for item in out[group]]
    if "not" in out:
        out["not"] = translate(out["not"])
    return out


def check_rule(rule: Any) -> dict[str, Any]:
    """The rule if it compiles (after translation); SegmentError otherwise."""
    if not isinstance(rule, dict):
        raise SegmentError("definition", f"a rule segment's definition must be a rule object,"
                           f" got {rule!r}")
    try:
        compile_tree(translate(rule))
    except Malformed as exc:  # a feature leaf's reason names the feature, not its event
        reason = str(exc).replace("event '\\x00feature:", "feature '")
        raise SegmentError("definition", f"invalid rule: {reason}") from None
    except RecursionError:
        raise SegmentError("definition", "invalid rule: nested too deeply") from None
    return rule


def check_computed(definition: Any) -> dict[str, Any]:
    """The normalised computed definition; SegmentError naming the field otherwise."""
    if not isinstance(definition, dict):
        raise SegmentError("definition", f"a computed definition must be an object, got"
                           f" {definition!r}")
    metric = definition.get("metric")
    if metric not in COMPUTED_FIELDS:
        raise SegmentError("definition.metric", f"metric {metric!r} is not one of "
                           + ", ".join(COMPUTED_FIELDS))
    field, choices = COMPUTED_FIELDS[metric]
    allowed = {"metric", field} | ({"window_days"} if metric == "rfm" else set())
    extra = sorted(set(definition) - allowed)
    if extra:
        raise SegmentError(f"definition.{extra[0]}", f"{metric} segments take no {extra[0]!r}")
    value = definition.get(field)
    if choices is not None and value not in choices:
        raise SegmentError(f"definition.{field}", f"{metric} {field} {value!r} is not one of "
                           + ", ".join(map(str, choices)))
    if choices is None and (isinstance(value, bool) or not isinstance(value, int | float)
                            or not math.isfinite(value) or not 0 <= value <= 100):
        raise SegmentError("definition.below", f"health below must be a score 0–100,"
                           f" got {value!r}")
    out = {"metric": metric, field: value}
    if metric == "rfm":
        days = definition.get("window_days", 90)
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 730:
            raise SegmentError("definition.window_days", f"window_days must be 1–730,"
                               f" got {days!r}")
        out["window_days"] = days
    return out


def check_definition(kind: str, definition: Any) -> dict[str, Any]:
    """Validate a definition of `kind` ("rule" or "computed")."""
    if kind == "rule":
        return check_rule(definition)
    if kind == "computed":
        return check_computed(definition)
    raise SegmentError("kind", f"kind {kind!r} is not one of rule, computed")


def referenced_segments(rule: Any) -> set[str]:
    """Segment keys a rule names in `{segment: …}` leaves (built-in guide keys excluded)."""
    found: set[str] = set()
    if isinstance(rule, dict):
        key = rule.get("segment")
        if isinstance(key, str) and ":" not in key:
            found.add(key)
        for value in rule.values():
            if isinstance(value, dict | list):
                found |= referenced_segments(value)
    elif isinstance(rule, list):
        for item in rule:
            found |= referenced_segments(item)
    return found


def event_windows(rule: Any) -> set[tuple[str, int | None]]:
    """(event name, whole days or None) of every event leaf of a translated rule."""
    found: set[tuple[str, int | None]] = set()
    if isinstance(rule, dict):
        if isinstance(rule.get("event"), str):
            within = rule.get("within_days")
            found.add((rule["event"], None if within is None else math.ceil(within)))
        for value in rule.values():
            if isinstance(value, dict | list):
                found |= event_windows(value)
    elif isinstance(rule, list):
        for item in rule:
            found |= event_windows(item)
    return found
