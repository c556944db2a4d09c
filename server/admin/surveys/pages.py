"""Survey results in the admin: the survey list and one survey's results page + CSV.

Figures come from the services the REST API uses (server/surveys/results.py and
listing.py; maths in server/metrics/surveys.py, definitions METRICS.md "Surveys"); this
module only reads the page's filters and shapes the numbers for the templates.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.responses import Response

from ...delivery.explain import definition_of
from ...metrics.surveys import CES_EASY_THRESHOLD, CSAT_SATISFIED_FROM, STABLE_N
from ...models import Guide
from ...surveys import listing, results
from ..context import AdminContext, Denied
from ..i18n import N_
from . import charts
from .period import Period, parse_period

DEFAULT_DAYS = 90
PAGE = 25
SCORED_KINDS = ("nps", "ces", "csat")
CATEGORIES = ("promoter", "passive", "detractor")
CATEGORY_LABELS = {"promoter": N_("Promoter"), "passive": N_("Passive"),
                   "detractor": N_("Detractor")}
KIND_LABELS = {"nps": N_("NPS"), "ces": N_("CES"), "csat": N_("CSAT")}


def find_survey(ctx: AdminContext) -> Guide:
    """The `{survey}` survey guide of the current environment, or 404."""
    assert ctx.environment is not None
    key = str(ctx.request.path_params.get("survey", ""))
    guide = listing.get_survey(session=ctx.db, environment_id=ctx.environment.id, key=key)  # type: ignore[arg-type]
    if guide is None:
        raise Denied(404, ctx._("Not found."))
    return guide


def scored_step(ctx: AdminContext, guide: Guide) -> dict[str, Any]:
    """The survey's one scored step (nps / ces / csat) of its published version or draft."""
    defn, _number = definition_of(session=ctx.db, guide=guide)
    for step in (defn or {}).get("steps") or []:
        if step.get("kind") in SCORED_KINDS:
            return dict(step)
    return {}


# -- the list -----------------------------------------------------------------------------


def survey_list(ctx: AdminContext) -> Response:
    assert ctx.environment is not None
    after = ctx.request.query_params.get("after", "")[:100] or None
    rows = listing.list_surveys(session=ctx.db, environment_id=ctx.environment.id,  # type: ignore[arg-type]
                                after=after, limit=PAGE)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    end = ctx.now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0) \
        + timedelta(days=1)
    start = end - timedelta(days=DEFAULT_DAYS)
    out = []
    for row in rows:
        step = scored_step(ctx, row.guide)
        figure = None
        if step.get("kind") == "nps" or not step:
            figure = results.nps_for_period(session=ctx.db, environment_id=ctx.environment.id,  # type: ignore[arg-type]
                                            start=start, end=end, survey_key=row.guide.key)
        out.append({"summary": row, "kind": step.get("kind"), "nps": figure})
    return ctx.render("admin/surveys/list.html", rows=out, days=DEFAULT_DAYS,
                      next_after=rows[-1].guide.key if more and rows else None,
                      kind_labels=KIND_LABELS, stable_n=STABLE_N)


# -- one survey's results -----------------------------------------------------------------


def _cursor(text: str) -> tuple[datetime, int] | None:
    at, sep, ident = text.partition("~")
    try:
        when = datetime.fromisoformat(at)
        return (when if when.tzinfo else when.replace(tzinfo=UTC)), int(ident)
    except ValueError:
        return None


def response_filters(ctx: AdminContext, period: Period) -> tuple[listing.ResponseFilter,
                                                                  dict[str, str], dict[str, str]]:
    """The verbatim filters of the query string → (service filter, form values, errors)."""
    params = ctx.request.query_params
    errors = dict(period.errors)
    category = params.get("category", "")
    if category and category not in CATEGORIES:
        errors["category"] = ctx._("Choose promoter, passive or detractor.")
        category = ""
    account = params.get("account", "").strip()[:255]
    q = params.get("q", "").strip()[:200]
    comments = params.get("comments", "with")
    if comments not in ("with", "all"):
        comments = "with"
    start, end = period.bounds()
    values = {"category": category, "account": account, "q": q, "comments": comments,
              **period.query()}
    return listing.ResponseFilter(
        category=category or None, account_id=account or None, start=start, end=end,
        q=q or None, has_comment=True if comments == "with" else None,
    ), values, errors


def _nps_view(data: dict[str, Any]) -> dict[str, Any]:
    dist = data["distribution"]
    total = sum(dist)
    labels = [str(i) for i in range(11)]
    trend = data["trend"]
    points = charts.line([w["nps"] for w in trend], [w["week"].isoformat() for w in trend],
                         low=-100, high=100)
    return {
        **data,
        "bars": charts.bars(dist, labels),
        "shares": [(c / total if total else None) for c in dist],
        "points": points,
        "polyline": charts.polyline(points),
        "zero_y": charts.scale_y(0, low=-100, high=100),
    }


def survey_results(ctx: AdminContext) -> Response:
    guide = find_survey(ctx)
    assert ctx.environment is not None
    env_id: int = ctx.environment.id  # type: ignore[assignment]
    period = parse_period(ctx, DEFAULT_DAYS)
    filters, values, errors = response_filters(ctx, period)
    start, end = period.bounds()
    scope: dict[str, Any] = {"session": ctx.db, "environment_id": env_id, "start": start,
                             "end": end, "survey_key": guide.key,
                             "account_id": filters.account_id}
    nps = _nps_view(results.nps_for_period(**scope))
    ces = results.ces_for_period(**scope)
    csat = results.csat_for_period(**scope)
    after = _cursor(ctx.request.query_params.get("after", "")[:100])
    rows = listing.list_responses(session=ctx.db, environment_id=env_id, survey_key=guide.key,
                                  filters=filters, after=after, limit=PAGE)
    more = len(rows) > PAGE
    rows = list(rows[:PAGE])
    next_after = f"{rows[-1].answered_at.isoformat()}~{rows[-1].id}" if more else None
    step = scored_step(ctx, guide)
    kind = step.get("kind") or next((k for k, n in (("nps", nps["n"]), ("ces", ces["n"]),
                                                    ("csat", csat["n"])) if n), "nps")
    return ctx.render(
        "admin/surveys/results.html", status=400 if errors else 200, guide=guide, kind=kind,
        step=step, nps=nps, ces=ces, csat=csat, rows=rows, next_after=next_after,
        paged=after is not None, values=values, errors=errors, period=period,
        categories=CATEGORIES, category_labels=CATEGORY_LABELS, kind_labels=KIND_LABELS,
        stable_n=STABLE_N, ces_thresholds=CES_EASY_THRESHOLD, csat_from=CSAT_SATISFIED_FROM,
        csv_query={k: v for k, v in values.items() if v},
    )


def survey_responses_csv(ctx: AdminContext) -> Response:
    """The filtered responses as CSV (the REST export: cells that could start a
    spreadsheet formula are prefixed with ')."""
    guide = find_survey(ctx)
    assert ctx.environment is not None
    period = parse_period(ctx, DEFAULT_DAYS)
    filters, _values, errors = response_filters(ctx, period)
    if errors:
        raise Denied(400, "; ".join(errors.values()))
    text = listing.responses_csv(session=ctx.db, environment_id=ctx.environment.id,  # type: ignore[arg-type]
                                 survey_key=guide.key, filters=filters)
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{guide.key}-responses.csv"'})
