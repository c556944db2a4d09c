"""The feature form: name, key and rule rows ↔ the rules the feature service stores.

One row per rule, fields `rules-<i>-<name>`; a row whose kind is empty is dropped (how a
rule is removed without JavaScript). Validation is the service's (features/rules.py);
its errors are mapped back to the row and field they came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from ...features.rules import MAX_RULES, normalise_rules
from ..context import AdminContext

#: The guide key pattern (guides/model.py), which feature keys follow (docs/features.md).
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-_]{0,99}$")
MAX_NAME = 200
RULE_KINDS = ("click", "url", "event")
STRICTNESS = ("normal", "strict", "loose")
URL_MATCHES = ("prefix", "exact", "glob", "regex")
ROW_FIELDS = ("kind", "selectors", "text", "strictness", "match", "value", "name")


@dataclass
class FeatureForm:
    key: str = ""
    name: str = ""
    rows: list[dict[str, str]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # "key", "name", "rules"
    row_errors: dict[int, list[str]] = field(default_factory=dict)


def blank_row(kind: str = "click") -> dict[str, str]:
    return {"kind": kind, "selectors": "", "text": "", "strictness": "normal",
            "match": "prefix", "value": "", "name": ""}


def rows_of(rules: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Form rows for stored rules."""
    rows = []
    for rule in rules:
        row = blank_row(rule.get("kind", ""))
        if row["kind"] == "click":
            target = rule.get("target") or {}
            row.update(selectors="\n".join(target.get("selectors") or []),
                       text=target.get("text") or "",
                       strictness=target.get("strictness") or "normal")
        elif row["kind"] == "url":
            url = rule.get("url") or {}
            row.update(match=url.get("match", "prefix"), value=url.get("value", ""))
        elif row["kind"] == "event":
            row["name"] = rule.get("name", "")
        rows.append(row)
    return rows


def read_form(ctx: AdminContext) -> FeatureForm:
    """The submitted name, key and rows (rows with no kind left out)."""
    form = FeatureForm(key=ctx.field("key")[:200], name=ctx.field("name")[:400])
    count = min(int(ctx.field("rule_count") or 0) if ctx.field("rule_count").isdigit() else 0,
                MAX_RULES + 5)
    for i in range(count):
        row = {name: ctx.field(f"rules-{i}-{name}")[:4000] for name in ROW_FIELDS}
        if row["kind"] in RULE_KINDS:
            form.rows.append(row)
    return form


def _rule(row: dict[str, str]) -> dict[str, Any]:
    if row["kind"] == "click":
        selectors = [s.strip() for s in row["selectors"].splitlines() if s.strip()]
        target: dict[str, Any] = {"selectors": selectors,
                                  "strictness": row["strictness"] or "normal"}
        if row["text"].strip():
            target["text"] = row["text"].strip()
        return {"kind": "click", "target": target}
    if row["kind"] == "url":
        return {"kind": "url", "url": {"match": row["match"], "value": row["value"].strip()}}
    return {"kind": "event", "name": row["name"].strip()}


def _where(loc: tuple[Any, ...]) -> str:
    # loc: (rule index, kind tag, field, …) — the index and tag are shown by the row itself.
    parts = [str(p) for p in loc[2:]]
    return ".".join(parts)


def validate(ctx: AdminContext, form: FeatureForm, *, check_key: bool) -> list[dict[str, Any]]:
    """The normalised rules, or [] with `form.errors` / `form.row_errors` filled in."""
    if check_key and not KEY_RE.match(form.key):
        form.errors["key"] = ctx._("Use 1–100 lowercase letters, digits, - or _, starting "
                                   "with a letter or digit.")
    if not form.name or len(form.name) > MAX_NAME:
        form.errors["name"] = ctx._("Enter a name of 1–200 characters.")
    if not form.rows:
        form.errors["rules"] = ctx._("Add at least one rule.")
    elif len(form.rows) > MAX_RULES:
        form.errors["rules"] = ctx._("A feature has at most %(n)s rules.", n=MAX_RULES)
    rules: list[dict[str, Any]] = []
    if not form.errors.get("rules"):
        try:
            rules = normalise_rules([_rule(row) for row in form.rows])
        except ValidationError as exc:
            for error in exc.errors():
                loc = tuple(error.get("loc") or ())
                index = loc[0] if loc and isinstance(loc[0], int) else 0
                where = _where(loc)
                text = f"{where}: {error.get('msg')}" if where else str(error.get("msg"))
                form.row_errors.setdefault(index, []).append(text)
            form.errors["rules"] = ctx._("Some rules are not valid: see the messages below.")
    return [] if form.errors else rules


def summary(rule: dict[str, Any]) -> tuple[str, str]:
    """(kind, short description) of one rule, for lists."""
    kind = rule.get("kind", "")
    if kind == "click":
        selectors = (rule.get("target") or {}).get("selectors") or []
        more = f" (+{len(selectors) - 1})" if len(selectors) > 1 else ""
        return kind, (selectors[0] if selectors else "") + more
    if kind == "url":
        url = rule.get("url") or {}
        return kind, f"{url.get('match', '')} {url.get('value', '')}"
    return kind, str(rule.get("name", ""))
