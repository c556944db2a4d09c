"""Admin survey pages: the survey list, a survey's results (NPS ± MOE95 and the n < 400
warning, distribution, weekly trend, CES/CSAT with thresholds, filtered comments, pages)
and the CSV export — per role, across workspaces, with bad filters."""

from __future__ import annotations

import csv
import io
from typing import Any

from starlette.testclient import TestClient

from tests.api.sdkclient import SdkClient
from tests.surveys.support import answer, survey

BASE = "/admin/w/acme/e/production/surveys"
PERIOD = {"from": "2026-10-01", "to": "2026-10-31"}


def add_survey(world: Any, definition: dict[str, Any], env: str = "acme") -> None:
    from server.guides import catalog
    from server.guides.files import validate_definition

    with world.app.state.db.session() as s:
        environment = s.merge(world.envs[env].environment)
        catalog.add_guide(session=s, environment=environment,
                          definition=validate_definition(definition), publish=True,
                          author="test")
        s.commit()


def send(world: Any, events: list[dict[str, Any]], env: str = "acme") -> None:
    """Answers go in through the SDK events endpoint, like the widget's."""
    origin = world.envs[env].environment.allowed_origins[0]
    sdk = SdkClient(TestClient(world.app), world.envs[env].environment.publishable_key, origin)
    r = sdk.send(events)
    assert r.status_code in (200, 202) and r.json()["accepted"] == len(events), r.text


def seed_october(world: Any) -> None:
    """The REST tests' October: 10 people, latest answers 10 9 9 8 7 6 3 0 10 10."""
    add_survey(world, survey("nps"))
    scores = {"u1": 10, "u2": 9, "u3": 9, "u4": 8, "u5": 7, "u6": 6, "u7": 3, "u8": 0,
              "u9": 10, "u10": 10}
    comments = {"u6": "Exports are slow", "u7": "=HYPERLINK(\"http://evil\")",
                "u8": "<b>Bold</b> and broken", "u1": "Love the new dashboard"}
    events = [answer(u, score=s, ts=f"2026-10-{i + 5:02d}T09:00:00Z",
                     account="acme-co" if i % 2 else "globex-co", comment=comments.get(u))
              for i, (u, s) in enumerate(scores.items())]
    events.append(answer("u8", score=9, ts="2026-10-01T09:00:00Z"))
    send(world, events)


def test_results_show_nps_with_its_margin_and_the_not_yet_stable_warning(world):
    seed_october(world)
    r = world.browser("viewer").get(f"{BASE}/nps", params=PERIOD)
    assert r.status_code == 200, r.text
    # 5 promoters, 2 passives, 3 detractors of n = 10 → +20 ± 54.0 (tests/surveys).
    assert 'data-testid="nps-value">+20<' in r.text
    assert "± 54" in r.text
    assert 'data-testid="nps-unstable"' in r.text and "400" in r.text
    assert "How is this computed?" in r.text and "1.96" in r.text
    # The distribution table: one 0, one 3, one 6, one 7, one 8, two 9s, three 10s.
    table = r.text.split('data-testid="distribution-table"')[1].split("</table>")[0]
    assert [c.split("<")[0] for c in table.split('<td class="num">')[1:12]] == [
        "1", "0", "0", "1", "0", "0", "1", "1", "1", "2", "3"]
    assert "2026-09-28" in r.text and "<polyline" in r.text  # trend from the week of Oct 1


def test_comments_are_escaped_and_filtered_by_category_account_and_text(world):
    seed_october(world)
    b = world.browser("viewer")
    page = b.get(f"{BASE}/nps", params=PERIOD).text
    assert "&lt;b&gt;Bold&lt;/b&gt;" not in page or "<b>Bold</b>" not in page
    assert "<b>Bold</b>" not in page
    assert page.count('data-testid="verbatim"') == 4
    detractors = b.get(f"{BASE}/nps", params={**PERIOD, "category": "detractor"}).text
    assert detractors.count('data-testid="verbatim"') == 3
    assert "Love the new dashboard" not in detractors
    text = b.get(f"{BASE}/nps", params={**PERIOD, "q": "EXPORTS"}).text
    assert text.count('data-testid="verbatim"') == 1 and "Exports are slow" in text
    acme = b.get(f"{BASE}/nps", params={**PERIOD, "account": "acme-co", "comments": "all"}).text
    assert acme.count('data-testid="verbatim"') == 5
    assert 'data-testid="nps-value">' in acme  # the figures follow the account too
    everyone = b.get(f"{BASE}/nps", params={**PERIOD, "comments": "all"}).text
    assert everyone.count('data-testid="verbatim"') == 11  # every stored response


def test_comments_are_paginated_newest_first(world):
    add_survey(world, survey("nps"))
    send(world, [answer(f"p{i}", score=i % 11, comment=f"comment {i:02d}",
                        ts=f"2026-10-{1 + i % 28:02d}T{i % 24:02d}:00:00Z") for i in range(30)])
    b = world.browser("viewer")
    first = b.get(f"{BASE}/nps", params=PERIOD)
    assert first.text.count('data-testid="verbatim"') == 25
    link = first.text.split('data-testid="next-page"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = b.get(f"{BASE}/nps" + link.replace("&amp;", "&"))
    assert second.status_code == 200
    assert second.text.count('data-testid="verbatim"') == 5
    assert 'data-testid="next-page"' not in second.text


def test_csv_export_follows_the_filters_and_is_formula_safe(world):
    seed_october(world)
    r = world.browser("viewer").get(f"{BASE}/nps/responses.csv",
                                    params={**PERIOD, "category": "detractor"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {row["user_id"] for row in rows} == {"u6", "u7", "u8"}
    assert next(row for row in rows if row["user_id"] == "u7")["comment"].startswith("'=")


def test_ces_and_csat_state_their_thresholds(world):
    add_survey(world, survey("ces", steps=[{"kind": "ces", "title": "How easy was it?",
                                             "scale": 7}]))
    add_survey(world, survey("csat", steps=[{"kind": "csat", "title": "Happy?"}]))
    ts = "2026-10-02T09:00:00Z"
    send(world, [answer("a", guide="ces", kind="ces", score=6, scale=7, ts=ts),
                 answer("b", guide="ces", kind="ces", score=3, scale=7, ts=ts),
                 answer("a", guide="csat", kind="csat", score=5, ts=ts),
                 answer("b", guide="csat", kind="csat", score=2, ts=ts)])
    b = world.browser("viewer")
    ces = b.get(f"{BASE}/ces", params=PERIOD).text
    # 6 and 3 on 1–7 → mean 4.5; easy = ≥ 5 → one of two = 50%.
    assert "4.5" in ces and "50.0%" in ces
    assert "5 or more on the 1–7 scale" in ces
    assert 'data-testid="nps-card"' not in ces
    csat = b.get(f"{BASE}/csat", params=PERIOD).text
    assert "50.0%" in csat and "CSAT 1–5" in csat


def test_survey_list_shows_counts_and_current_nps(world):
    seed_october(world)
    add_survey(world, survey("empty-survey"))
    r = world.browser("viewer").get(BASE)
    assert r.status_code == 200
    assert 'data-testid="survey-row-nps"' in r.text
    assert 'data-testid="survey-row-empty-survey"' in r.text
    row = r.text.split('data-testid="survey-row-nps"')[1].split("</tr>")[0]
    assert ">11<" in row  # stored responses (u8 twice)


def test_bad_filters_are_reported_not_a_server_error(world):
    seed_october(world)
    b = world.browser("viewer")
    r = b.get(f"{BASE}/nps", params={"from": "October", "category": "fan"})
    assert r.status_code == 400
    assert "YYYY-MM-DD" in r.text and 'aria-invalid="true"' in r.text
    r = b.get(f"{BASE}/nps", params={"from": "2026-10-31", "to": "2026-10-01"})
    assert r.status_code == 400 and "must not be after" in r.text
    assert b.get(f"{BASE}/nps", params={"after": "garbage"}).status_code == 200
    assert b.get(f"{BASE}/nps/responses.csv", params={"from": "x"}).status_code == 400


def test_unknown_non_survey_and_other_workspace_surveys_are_not_found(world):
    seed_october(world)
    add_survey(world, survey("theirs"), env="globex")
    add_survey(world, {"key": "tour", "name": "Tour", "type": "modal",
                       "steps": [{"kind": "modal", "title": "Hi"}]})
    b = world.browser("owner")
    assert b.get(f"{BASE}/missing").status_code == 404
    assert b.get(f"{BASE}/tour").status_code == 404
    assert b.get(f"{BASE}/theirs").status_code == 404
    assert b.get("/admin/w/globex/e/production/surveys/theirs").status_code == 404
    assert b.get("/admin/w/globex/e/production/surveys/theirs/responses.csv").status_code == 404


def test_japanese_results_page(world):
    seed_october(world)
    r = world.browser("viewer").get(f"{BASE}/nps", params=PERIOD,
                                    headers={"accept-language": "ja"})
    assert r.status_code == 200 and 'lang="ja"' in r.text
    assert "How is this computed?" not in r.text
