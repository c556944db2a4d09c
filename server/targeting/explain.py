"""Explain an audience rule for one user: the admin's "why didn't it show?".

The explainer walks the same compiled tree as the evaluator and calls the same leaf
``fetch``/``test`` functions (``run_leaf``), so its verdict is the evaluator's verdict;
only the wording is added here.  Unlike the evaluator it does not short-circuit: every
condition is shown.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from server.targeting.context import EvalContext
from server.targeting.evaluate import (
    Node,
    combine_all,
    combine_any,
    compile_tree,
    negate,
    run_leaf,
)
from server.targeting.leaves import Leaf
from server.targeting.operators import MISSING, UNAVAILABLE, is_number, parse_datetime

_PHRASES: Final[dict[str, tuple[str, str]]] = {  # op -> (when passed, when failed)
    "eq": ("equals {v}", "does not equal {v}"),
    "neq": ("does not equal {v}", "equals {v}"),
    "in": ("in {v}", "not in {v}"),
    "not_in": ("not in {v}", "in {v}"),
    "contains": ("contains {v}", "does not contain {v}"),
    "gt": ("greater than {v}", "not greater than {v}"),
    "gte": ("greater than or equal to {v}", "not greater than or equal to {v}"),
    "lt": ("less than {v}", "not less than {v}"),
    "lte": ("less than or equal to {v}", "not less than or equal to {v}"),
    "exists": ("is set", "is not set"),
    "not_exists": ("must not be set", "must not be set"),
    "within_days": ("within the last {v} days", "not within the last {v} days"),
    "older_than_days": ("more than {v} days ago", "not more than {v} days ago"),
    "before": ("before {v}", "not before {v}"),
    "after": ("after {v}", "not after {v}"),
}
_COUNT_PHRASES: Final = {
    "count_gte": "at least {v}",
    "count_gt": "more than {v}",
    "count_lt": "fewer than {v}",
    "count_lte": "at most {v}",
    "count_eq": "exactly {v}",
}
_DATE_OPS: Final = frozenset({"within_days", "older_than_days", "before", "after"})
_ORDER_OPS: Final = frozenset({"gt", "gte", "lt", "lte"})


def _show(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _type_name(value: Any) -> str:
    if value is True or value is False:
        return "boolean"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _age(delta_days: float) -> str:
    if delta_days >= 0:
        return f"{delta_days:.1f} days ago"
    return f"{-delta_days:.1f} days in the future"


def _mismatch(leaf: Leaf, seen: Any) -> str:
    """Why a present value could not match, when the cause is its type."""
    op, value = leaf.op, leaf.value
    if op in ("eq", "neq", "contains") and not isinstance(seen, list | tuple):
        if op == "contains" and not isinstance(seen, str):
            return f"; 'contains' needs text or a list, not a {_type_name(seen)}"
        if op != "contains" and _type_name(seen) != _type_name(value):
            return f" (a {_type_name(seen)} never equals a {_type_name(value)})"
    if op in _ORDER_OPS:
        if not is_number(value) and parse_datetime(value, epoch=False) is None:
            return " (the rule's value is neither a number nor a date, so it never matches)"
        if is_number(value) and not is_number(seen):
            return f" (it is a {_type_name(seen)}, not a number)"
        if not is_number(value) and parse_datetime(seen, epoch=False) is None:
            return " (it is not an ISO date)"
    if op in _DATE_OPS and parse_datetime(seen) is None:
        return " (it is not a date)"
    return ""


def _attr_reason(leaf: Leaf, seen: Any, passed: bool, now: datetime) -> str:
    name = leaf.subject
    if seen is MISSING:
        return f"{name} is not set" + (f", so {leaf.op!r} passes" if passed else "")
    if leaf.op == "exists":
        return f"{name} is {_show(seen)}, so it is set"
    if leaf.op == "not_exists":
        return f"{name} is {_show(seen)}, but it must not be set"
    detail = ""
    if leaf.op in _DATE_OPS and (when := parse_datetime(seen)) is not None:
        detail = f" ({_age((now - when).total_seconds() / 86400)})"
    phrase = _PHRASES[leaf.op][0 if passed else 1].format(v=_show(leaf.value))
    reason = f"{name} is {_show(seen)}{detail}, {phrase}"
    return reason if passed else reason + _mismatch(leaf, seen)


def _leaf_reason(leaf: Leaf, seen: Any, result: bool | None, now: datetime) -> str:
    if leaf.kind == "attr":
        return _attr_reason(leaf, seen, result is True, now)
    if leaf.kind == "segment":
        if seen is UNAVAILABLE:
            return f"segment membership not available (segment {leaf.subject!r}), so it fails"
        member = "a member" if seen else "not a member"
        return f"user is {member} of segment {leaf.subject!r}" + (
            "" if result else f" (needs {leaf.op})"
        )
    window = "ever" if leaf.within_days is None else f"in the last {leaf.within_days} days"
    if seen is UNAVAILABLE:
        return f"event history not available (event {leaf.subject!r}), so it fails"
    needs = _COUNT_PHRASES[leaf.op].format(v=_show(leaf.value))
    return f"event {leaf.subject!r} happened {seen} times {window}; needs {needs}"


def _group_reason(kind: str, results: list[bool | None], result: bool | None) -> str:
    total = len(results)
    passed = sum(1 for r in results if r is True)
    failed = sum(1 for r in results if r is False)
    unknown = total - passed - failed
    note = f" and {unknown} could not be evaluated (data not available)" if unknown else ""
    if kind == "not":
        return {
            True: "the negated condition failed",
            False: "the negated condition passed",
            None: "the negated condition could not be evaluated, so this fails closed",
        }[result]
    if kind == "all":
        if total == 0:
            return "an empty 'all' group always matches"
        if result is True:
            return f"all {total} conditions passed"
        return f"{failed} of {total} conditions failed{note}"
    if total == 0:
        return "an empty 'any' group never matches"
    if result is True:
        return f"{passed} of {total} conditions passed"
    return f"none of the {total} conditions passed{note}"


def _seen_json(seen: Any) -> Any:
    return None if seen is MISSING or seen is UNAVAILABLE else seen


def _explain(node: Node, ctx: EvalContext) -> tuple[dict[str, Any], bool | None]:
    if node.leaf is not None:
        seen, result = run_leaf(node.leaf, ctx)
        try:
            reason = _leaf_reason(node.leaf, seen, result, ctx.now)
        except Exception as exc:  # wording must never hide the verdict
            reason = f"could not describe the value ({type(exc).__name__})"
        tree = _tree(node.rule, result, _seen_json(seen), reason, [])
        return tree, result
    pairs = [_explain(child, ctx) for child in node.children]
    results = [result for _, result in pairs]
    if node.kind == "all":
        result = combine_all(results)
    elif node.kind == "any":
        result = combine_any(results)
    else:
        result = negate(results[0])
    reason = _group_reason(node.kind, results, result)
    return _tree(node.rule, result, None, reason, [tree for tree, _ in pairs]), result


def _tree(
    rule: Any, result: bool | None, seen: Any, reason: str, children: list[dict[str, Any]]
) -> dict[str, Any]:
    tree: dict[str, Any] = {
        "rule": rule,
        "passed": result is True,
        "seen": seen,
        "reason": reason,
        "children": children,
    }
    if result is None:
        tree["unknown"] = True
    return tree


def explain_rule(rule: dict[str, Any] | None, ctx: EvalContext) -> dict[str, Any]:
    """Explain ``rule`` for the user in ``ctx`` as a tree of checks.

    Each node is ``{"rule", "passed", "seen", "reason", "children"}`` (plus
    ``"unknown": True`` where the data needed was not available).  The root's
    ``passed`` always equals :func:`server.targeting.evaluate.evaluate`.
    """
    if rule is None:
        return _tree(None, True, None, "no audience rules: everyone matches", [])
    try:
        node = compile_tree(rule)
    except Exception as exc:
        return _tree(rule, False, None, f"malformed rule, matches nobody: {exc}", [])
    try:
        tree, _ = _explain(node, ctx)
    except RecursionError:
        return _tree(rule, False, None, "rule is nested too deeply to explain", [])
    return tree
