"""Admin REST: /surveys, /surveys/{key}/responses (filters, pages, CSV), /metrics/nps|ces|csat."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.api.sdkclient import SdkClient
from tests.api.v1_support import Api, assert_error

from .support import answer, survey


def seed_october(sdk: SdkClient) -> None:
    """Ten users answer the NPS survey in October 2026 (one of them twice)."""
    scores = {"u1": 10, "u2": 9, "u3": 9, "u4": 8, "u5": 7, "u6": 6, "u7": 3, "u8": 0,
              "u9": 10, "u10": 10}
    events = [answer(u, score=s, ts=f"2026-10-{i + 5:02d}T09:00:00Z",
                     account="acme" if i % 2 else "globex",
                     comment="Exports are slow" if s <= 6 else None)
              for i, (u, s) in enumerate(scores.items())]
    # u8 first answered 9 in early October, then 0: only the most recent answer counts.
    events.append(answer("u8", score=9, ts="2026-10-01T09:00:00Z"))
    # Outside the period.
    events.append(answer("u11", score=0, ts="2026-09-30T23:59:59Z"))
    events.append(answer("u12", score=0, ts="2026-11-01T00:00:00Z"))
    assert sdk.send(events).json()["accepted"] == len(events)


def test_nps_for_october_uses_each_users_latest_answer(
    api: Api, sdk: SdkClient, factory: Any, env: Any
) -> None:
    factory.guides(env, survey())
    seed_october(sdk)
    r = api.get("/metrics/nps", params={"from": "2026-10-01", "to": "2026-10-31"})
    assert r.status_code == 200, r.text
    body = r.json()
    # Latest answers: 10, 9, 9, 8, 7, 6, 3, 0, 10, 10 → promoters 5, passives 2,
    # detractors 3, n = 10 → NPS = 50 − 30 = +20; p⁺ + p⁻ − s² = 0.8 − 0.04 = 0.76,
    # 1.96·√(0.76/10)·100 = 1.96·27.568 = 54.03 → ±54.0.
    assert {k: body[k] for k in ("n", "promoters", "passives", "detractors", "nps", "moe95",
                                 "stable")} == {
        "n": 10, "promoters": 5, "passives": 2, "detractors": 3, "nps": 20, "moe95": 54.0,
        "stable": False}
    assert body["distribution"] == [1, 0, 0, 1, 0, 0, 1, 1, 1, 2, 3]
    assert sum(w["n"] for w in body["trend"]) >= 10
    assert body["trend"][0]["week"] == "2026-09-28"  # Monday of the week of Oct 1
    acme = api.get("/metrics/nps", params={"from": "2026-10-01", "to": "2026-10-31",
                                           "account": "acme"}).json()
    assert acme["n"] == 5


def test_nps_of_an_empty_period_is_null_not_zero(api: Api) -> None:
    body = api.get("/metrics/nps", params={"from": "2020-01-01", "to": "2020-01-31"}).json()
    assert body["n"] == 0 and body["nps"] is None and body["moe95"] is None
    assert body["distribution"] == [0] * 11 and body["trend"] == []


def test_metric_query_errors_are_422(api: Api) -> None:
    assert_error(api.get("/metrics/nps", params={"from": "2026-10-31", "to": "2026-10-01"}),
                 422, "validation_error")
    assert_error(api.get("/metrics/nps", params={"from": "October"}), 422)
    assert_error(api.get("/metrics/nps", params={"segment": "x"}), 422)
    assert_error(api.client.get("/api/v1/metrics/nps"), 401)


def test_ces_and_csat_state_their_thresholds(api: Api, sdk: SdkClient) -> None:
    sdk.send([answer("a", guide="ces", kind="ces", score=6, scale=7, ts="2026-10-02T09:00:00Z"),
              answer("b", guide="ces", kind="ces", score=3, scale=7, ts="2026-10-02T09:00:00Z"),
              answer("c", guide="ces", kind="ces", score=4, scale=5, ts="2026-10-02T09:00:00Z"),
              answer("a", guide="csat", kind="csat", score=5, ts="2026-10-02T09:00:00Z"),
              answer("b", guide="csat", kind="csat", score=2, ts="2026-10-02T09:00:00Z")])
    period = {"from": "2026-10-01", "to": "2026-10-31"}
    ces = api.get("/metrics/ces", params=period).json()
    # 1–5: one answer, 4 ≥ 4 → easy 100%; 1–7: 6 and 3 → mean 4.5, easy {6} = 50%.
    assert ces == {"n": 3, "scales": [
        {"scale": 5, "n": 1, "mean": 4.0, "easy": 1, "easy_share": 100.0, "easy_threshold": 4},
        {"scale": 7, "n": 2, "mean": 4.5, "easy": 1, "easy_share": 50.0, "easy_threshold": 5}]}
    assert api.get("/metrics/csat", params=period).json() == {
        "n": 2, "satisfied": 1, "csat": 50.0}
    assert api.get("/metrics/csat", params={**period, "survey": "nope"}).json()["n"] == 0


def test_surveys_list_shows_response_counts(
    api: Api, sdk: SdkClient, factory: Any, env: Any
) -> None:
    factory.guides(env, survey("nps"), survey("nps-ja"), {
        "key": "hello", "name": "Hello", "type": "modal",
        "steps": [{"kind": "modal", "title": "Hi"}]})
    seed_october(sdk)
    items, _ = api.walk("/surveys", limit=1)
    assert [i["key"] for i in items] == ["nps", "nps-ja"]
    assert items[0]["responses"] == 13 and items[0]["scored"] == 13
    assert items[0]["status"] == "published" and items[1]["responses"] == 0


def test_responses_filter_by_category_account_date_and_text(
    api: Api, sdk: SdkClient, factory: Any, env: Any
) -> None:
    factory.guides(env, survey())
    seed_october(sdk)
    path = "/surveys/nps/responses"
    items, pages = api.walk(path, limit=4)
    assert len(items) == 13 and pages == 4
    assert items[0]["user_id"] == "u12"  # newest first
    detractors, _ = api.walk(path, category="detractor", **{"from": "2026-10-01",
                                                          "to": "2026-10-31"})
    assert sorted(i["user_id"] for i in detractors) == ["u6", "u7", "u8"]
    assert {i["category"] for i in detractors} == {"detractor"}
    acme, _ = api.walk(path, account="acme")
    assert acme and {i["account_id"] for i in acme} == {"acme"}
    slow, _ = api.walk(path, q="EXPORTS are")
    assert sorted(i["user_id"] for i in slow) == ["u6", "u7", "u8"]
    assert api.walk(path, q="100%_")[0] == []  # LIKE wildcards are literal
    commented, _ = api.walk(path, has_comment="true")
    assert len(commented) == 3
    one = items[-1]
    assert set(one) == {"user_id", "account_id", "asked_at", "answered_at", "kind", "score",
                        "scale", "category", "comment", "followup", "locale", "url",
                        "event_id"}


def test_responses_csv_export_neutralises_formulas(
    api: Api, sdk: SdkClient, factory: Any, env: Any
) -> None:
    factory.guides(env, survey())
    sdk.send([answer("u1", score=2, comment="=HYPERLINK(\"http://evil\")", account="acme"),
              answer("u2", score=10, comment="Fine, thanks", ts="2026-11-20T09:00:00Z")])
    r = api.get("/surveys/nps/responses", params={"format": "csv"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert 'filename="nps-responses.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["user_id"] for row in rows] == ["u2", "u1"]
    assert rows[1]["comment"].startswith("'=")
    assert rows[1]["category"] == "detractor" and rows[1]["score"] == "2"
    only = api.get("/surveys/nps/responses", params={"format": "csv", "category": "promoter"})
    assert len(list(csv.DictReader(io.StringIO(only.text)))) == 1


def test_responses_of_unknown_or_non_survey_guides_are_404(
    api: Api, factory: Any, env: Any
) -> None:
    factory.guides(env, {"key": "hello", "name": "Hello", "type": "modal",
                         "steps": [{"kind": "modal", "title": "Hi"}]})
    assert_error(api.get("/surveys/nope/responses"), 404, "not_found")
    assert_error(api.get("/surveys/hello/responses"), 404, "not_found")
    assert_error(api.get("/surveys/nps/responses", params={"category": "fan"}), 422)
    assert_error(api.get("/surveys/nps/responses", params={"cursor": "garbage"}), 400)


def test_another_environment_sees_no_responses(
    api: Api, sdk: SdkClient, factory: Any, env: Any
) -> None:
    factory.guides(env, survey())
    seed_october(sdk)
    other = factory.environment(workspace="Globex")
    other_api = Api(api.client, other.secret_key, other)
    factory.guides(other, survey())
    assert other_api.walk("/surveys/nps/responses")[0] == []
    assert other_api.get("/metrics/nps", params={"from": "2026-10-01", "to": "2026-10-31"}
                         ).json()["n"] == 0
