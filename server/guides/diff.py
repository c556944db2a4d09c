"""A readable, field-level diff of two guide definitions (normalised guide-file dicts).

``diff_definitions(before, after)`` lists what changed as ``Change`` rows — a step's title,
body, target, placement; the audience rules; the trigger; a translation — each with its
value before and after written for people (``selectors: #new · text: New · strict``,
``all of: / user.plan in pro, team``), never a JSON dump. Steps are compared by position;
a step added or removed is one row summarising it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Change", "describe_rule", "describe_value", "diff_definitions"]

#: Top-level fields in the order a reader expects them (the guide file's order).
_ORDER = (
    "key", "name", "type", "priority", "locale", "tags", "audience", "trigger", "frequency",
    "schedule", "holdout_percent", "goal", "backdrop", "pacing",
)  # fmt: skip
_STEP_ORDER = (
    "kind", "title", "body", "target", "placement", "advance", "advance_event", "url",
    "position", "complete_event", "scale", "low_label", "high_label", "followup", "choices",
)  # fmt: skip
_OPS = {
    "eq": "=", "neq": "≠", "in": "in", "not_in": "not in", "contains": "contains",
    "gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "exists": "exists",
    "not_exists": "does not exist", "within_days": "within the last … days:",
    "older_than_days": "more than … days ago:", "before": "before", "after": "after",
    "count_gte": "count ≥", "count_gt": "count >", "count_lt": "count <",
    "count_lte": "count ≤", "count_eq": "count =",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Change:
    """One changed field. ``step``/``lang`` locate it; ``before``/``after`` None = absent."""

    path: str  # guide-file path, e.g. "steps[2].target" or "translations.ja.steps[0].title"
    field: str  # the field's key, e.g. "target"
    before: str | None
    after: str | None
    step: int | None = None  # 0-based step index, when the change is inside a step
    lang: str | None = None  # the translation's language, when inside one

    @property
    def kind(self) -> str:
        """``added``, ``removed`` or ``changed``."""
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_scalar(v) for v in value)
    return str(value)


def describe_rule(rule: Any, indent: int = 0) -> str:
    """An audience rule as indented lines: ``all of:`` / ``  user.plan in pro, team``."""
    pad = "  " * indent
    if not isinstance(rule, dict):
        return pad + _scalar(rule)
    for group, title in (("all", "all of:"), ("any", "any of:")):
        if group in rule:
            children = rule[group] or []
            lines = [pad + title] + [describe_rule(c, indent + 1) for c in children]
            return "\n".join(lines) if children else pad + title + " (everyone)"
    if "not" in rule:
        return f"{pad}not:\n{describe_rule(rule['not'], indent + 1)}"
    op = str(rule.get("op", ""))
    if "attr" in rule:
        words = _OPS.get(op, op)
        if op in ("exists", "not_exists"):
            return f"{pad}{rule['attr']} {words}"
        if "…" in words:
            before, after = words.split("…")
            return f"{pad}{rule['attr']} {before}{_scalar(rule.get('value'))}{after.rstrip(':')}"
        return f"{pad}{rule['attr']} {words} {_scalar(rule.get('value'))}"
    if "segment" in rule:
        word = "in segment" if op in ("member", "") else "not in segment"
        return f"{pad}{word} {rule['segment']}"
    if "event" in rule:
        text = f"{pad}event {rule['event']} {_OPS.get(op, op)} {rule.get('value')}"
        if rule.get("within_days") is not None:
            text += f" in the last {rule['within_days']} days"
        return text
    return pad + _flat(rule)


def _flat(value: Any) -> str:
    if isinstance(value, dict):
        return " · ".join(f"{k}: {_flat(v)}" for k, v in value.items())
    return _scalar(value)


def _target(value: Any) -> str:
    if isinstance(value, str):
        return f"selectors: {value}"
    parts = ["selectors: " + " | ".join(value.get("selectors", []))]
    if value.get("text"):
        parts.append(f"text: {value['text']}")
    parts.append(value.get("strictness", "normal"))
    return " · ".join(parts)


def _frequency(value: Any) -> str:
    if isinstance(value, str):
        return value.replace("_", " ")
    mode = value.get("mode", "once")
    if mode == "every_days":
        return f"every {value.get('days')} days"
    if mode == "max_times":
        return f"at most {value.get('times')} times"
    return str(mode).replace("_", " ")


def _trigger(value: dict[str, Any]) -> str:
    parts = [f"on {value.get('on', 'page_load')}"]
    url = value.get("url")
    if url:
        parts.append(f"url {url.get('match')} {url.get('value')}")
    for key in ("selector", "event"):
        if value.get(key):
            parts.append(f"{key} {value[key]}")
    if value.get("delay_ms"):
        parts.append(f"delay {value['delay_ms']} ms")
    return " · ".join(parts)


def describe_value(field: str, value: Any) -> str | None:
    """A field's value written for people (None stays None: the field is absent)."""
    if value is None:
        return None
    if field == "audience":
        return describe_rule(value)
    if field == "target":
        return _target(value)
    if field == "frequency":
        return _frequency(value)
    if field == "trigger" and isinstance(value, dict):
        return _trigger(value)
    if field == "schedule" and isinstance(value, dict):
        return f"{value.get('start', '…')} → {value.get('end', '…')}"
    if field == "goal" and isinstance(value, dict):
        return f"{value.get('event')} within {value.get('within_days', 7)} days"
    if field == "url" and isinstance(value, dict):
        return f"{value.get('match')} {value.get('value')}"
    return _flat(value)


def _step_summary(step: dict[str, Any]) -> str:
    title = step.get("title") or ""
    if "kind" not in step:  # a translated step
        return title or _flat(step)
    return f"{step['kind']}: {title}".rstrip(": ")


def _ordered(keys: set[str], order: tuple[str, ...]) -> list[str]:
    return [k for k in order if k in keys] + sorted(keys - set(order))


def _fields(
    before: dict[str, Any], after: dict[str, Any], order: tuple[str, ...], prefix: str,
    step: int | None, lang: str | None,
) -> list[Change]:  # fmt: skip
    out: list[Change] = []
    for name in _ordered(set(before) | set(after), order):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        path = f"{prefix}.{name}" if prefix else name
        out.append(Change(path, name, describe_value(name, old), describe_value(name, new),
                          step=step, lang=lang))
    return out


def _steps(
    before: list[dict[str, Any]], after: list[dict[str, Any]], prefix: str, lang: str | None,
) -> list[Change]:  # fmt: skip
    out: list[Change] = []
    for index in range(max(len(before), len(after))):
        path = f"{prefix}[{index}]"
        if index >= len(before):
            out.append(Change(path, "step", None, _step_summary(after[index]), index, lang))
        elif index >= len(after):
            out.append(Change(path, "step", _step_summary(before[index]), None, index, lang))
        else:
            out += _fields(before[index], after[index], _STEP_ORDER, path, index, lang)
    return out


def diff_definitions(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """What changed from ``before`` to ``after``, top-level fields first, then steps, then
    translations (per language, name then steps)."""
    top = {k: v for k, v in before.items() if k not in ("steps", "translations")}
    top_after = {k: v for k, v in after.items() if k not in ("steps", "translations")}
    changes = _fields(top, top_after, _ORDER, "", None, None)
    changes += _steps(before.get("steps", []), after.get("steps", []), "steps", None)
    old_tr, new_tr = before.get("translations") or {}, after.get("translations") or {}
    for lang in sorted(set(old_tr) | set(new_tr)):
        a, b = old_tr.get(lang) or {}, new_tr.get(lang) or {}
        prefix = f"translations.{lang}"
        if a.get("name") != b.get("name"):
            changes.append(Change(f"{prefix}.name", "name", a.get("name"), b.get("name"),
                                  lang=lang))
        changes += _steps(a.get("steps", []), b.get("steps", []), f"{prefix}.steps", lang)
    return changes
