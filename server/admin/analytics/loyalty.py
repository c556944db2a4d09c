"""Builders of the loyalty dashboards: RFM grid, loyalty matrix A–F, lifecycle stages and
flows; accounts (health table, at-risk list, LTV). docs/dashboards.md."""

from __future__ import annotations

from typing import Any

from ...metrics.lifecycle import STAGES
from ...metrics.loyalty import ACTIONS
from ...metrics.rfm import SEGMENT_NAMES, fm_score
from ..context import AdminContext
from ..i18n import N_
from . import calc, charts
from .common import Page, account_url, people_url, ratio
from .filters import Filters
from .tables import Table, link
from .usage import _at_risk

STAGE_LABELS = {"get": N_("Get"), "build": N_("Build"), "grow": N_("Grow"), "keep": N_("Keep"),
                "none": N_("None")}
CELL_TEXT = {"A": N_("Loyal customers — protect, ask for referrals/case studies"),
             "B": N_("Loyal candidates — move them to A"),
             "C": N_("Good customers at risk — fix their pain first"),
             "D": N_("Advocates who spend little — find the barrier (price, access)"),
             "E": N_("Indifferent — low priority"),
             "F": N_("Furthest from loyalty — lowest priority")}
ACCOUNT_ROWS = 50
assert set(CELL_TEXT) == set(ACTIONS)  # the suggested actions are METRICS.md's, translated


def _rfm(ctx: AdminContext, f: Filters, page: Page) -> dict[str, Any]:
    rows = [r for r in calc.rfm_table(ctx, f).rows
            if f.members is None or r.id in f.members]
    grid = [[0] * 5 for _ in range(5)]  # grid[5 - R][FM - 1]
    counts = dict.fromkeys(SEGMENT_NAMES, 0)
    for r in rows:
        grid[5 - r.r][fm_score(r.f, r.m) - 1] += 1
        counts[r.segment] += 1
    t = page.table(Table("rfm", N_("RFM segments"), [
        (N_("Segment"), "text"), (N_("Users"), "number"), (N_("Share"), "share")]))
    for name in SEGMENT_NAMES:
        t.add(name, link(counts[name], people_url(ctx, f, set="rfm", segment_name=name)),
              ratio(counts[name], len(rows)))
    top = max((max(line) for line in grid), default=0)
    from ...metrics.rfm import segment_of

    cells = [[{"n": n, "level": charts.level(n, top), "segment": segment_of(5 - i, j + 1)}
              for j, n in enumerate(line)] for i, line in enumerate(grid)]
    return {"rfm_total": len(rows), "rfm_grid": cells, "rfm_counts": counts}


def _matrix(ctx: AdminContext, f: Filters, page: Page) -> dict[str, Any]:
    got = calc.matrix(ctx, f)
    counts = {c: len(f.users(got.cells[c])) for c in "ABCDEF"}
    t = page.table(Table("matrix", N_("Loyalty matrix"), [
        (N_("Cell"), "text"), (N_("Users"), "number"), (N_("Suggested action"), "text")]))
    for c in "ABCDEF":
        t.add(c, link(counts[c], people_url(ctx, f, set="matrix", cell=c)), ctx._(CELL_TEXT[c]))
    return {"matrix": counts, "threshold": got.threshold, "cell_text": CELL_TEXT}


def _lifecycle(ctx: AdminContext, f: Filters, page: Page) -> dict[str, Any]:
    now = calc.stages(ctx, f)
    counts = {st: len(f.users(now.stages[st])) for st in STAGES}
    t = page.table(Table("stages", N_("Lifecycle stages"), [
        (N_("Stage"), "text"), (N_("Users"), "number")]))
    for st in STAGES:
        t.add(ctx._(STAGE_LABELS[st]), link(counts[st], people_url(ctx, f, set="stage", stage=st)))
    flow = calc.flow_ids(ctx, f)
    keys = (*STAGES, "none")
    ft = page.table(Table("flow", N_("Flow since a month ago"), [
        (N_("A month ago"), "text"), *[(STAGE_LABELS[k], "number") for k in keys]]))
    for a in keys:
        ft.add(ctx._(STAGE_LABELS[a]), *[
            link(len(flow[a][b]), people_url(ctx, f, set="flow", before=a, after=b))
            for b in keys])
    moved = sum(len(flow[a][b]) for a in STAGES for b in STAGES if a != b)
    return {"stages": counts, "stage_labels": STAGE_LABELS, "moved": moved,
            "stage_bars": charts.bars([counts[s] for s in STAGES], list(STAGES))}


def loyalty_page(ctx: AdminContext, f: Filters) -> Page:
    page = Page()
    page.values = {**_rfm(ctx, f, page), **_matrix(ctx, f, page), **_lifecycle(ctx, f, page)}
    return page


def accounts_page(ctx: AdminContext, f: Filters) -> Page:
    page = Page()
    health = calc.health(ctx, f)
    rows = [r for r in health.rows if f.accounts is None or r.account_id in f.accounts]
    try:
        offset = max(0, int(ctx.request.query_params.get("offset", "0")))
    except ValueError:
        offset = 0
    t = page.table(Table("health", N_("Account health"), [
        (N_("Account"), "code"), (N_("Health"), "score"), (N_("Recency"), "share"),
        (N_("Frequency"), "share"), (N_("Breadth"), "share"), (N_("NPS"), "share"),
        (N_("Detractors"), "number")]))
    for r in rows:
        c = r.components
        t.add(link(r.account_id, account_url(ctx, f, r.account_id), "code"), r.score,
              c["recency"], c["frequency"], c["breadth"], c["nps"], r.detractors)
    at_risk = _at_risk(ctx, f, page, None)
    ltv = calc.ltv(ctx, f)
    scores = [r.score for r in rows]
    page.values = {
        "accounts": len(rows), "offset": offset, "limit": ACCOUNT_ROWS,
        "health_rows": page.tables["health"].rows[offset:offset + ACCOUNT_ROWS],
        "average": round(sum(scores) / len(scores), 1) if scores else None,
        "at_risk": at_risk, "at_risk_below": calc.AT_RISK_BELOW, "ltv": ltv,
        "weights": health.weights,
    }
    return page
