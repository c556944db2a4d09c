"""A realistic, deterministic sample history for the demo environment.

`users` end users across 300 accounts (plans, MRR, regions, locales), and 90 days of
page views, custom events (report_created, settings_saved, invite_sent,
report_exported) and guide events (welcome tour, checklist, NPS survey answers). Users
differ in engagement (power, regular, casual, churned), so adoption, NPS, RFM and churn
dashboards have something to show. Events go through `ingest_events` (validation,
dedupe, guide states) in batches; people are bulk-inserted.

For the analytics dashboards (docs/dashboards.md) every figure has something true to
show: five tagged features (click rules on the demo app) with `feature_used` events whose
use grows with engagement; the welcome tour's 10 % holdout (the same stable hash as
targeting) never sees it, and users shown it create a first report more often, so its
goal lift is real; NPS answers carry `kind: nps` (the metrics read it from the event log).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from .db import Database, analyze
from .delivery.bootstrap import traits_hash
from .fastsql import FastSQL
from .ingest.service import ingest_events
from .models import Account, AccountMembership, EndUser
from .progress import progress
from .targeting.eligibility import in_holdout

DAYS = 90
ACCOUNTS = 300
_BATCH_USERS = 100  # users per ingest batch (a few thousand events)

_PLANS = [("free", 0.30), ("pro", 0.40), ("team", 0.22), ("enterprise", 0.08)]
_MRR = {"free": (0, 0), "pro": (300, 1500), "team": (1500, 6000), "enterprise": (6000, 30000)}
_REGIONS = [("us", 0.40), ("eu", 0.28), ("jp", 0.22), ("apac", 0.10)]
_ADJ = ["Northwind", "Blue Harbor", "Summit", "Evergreen", "Golden Gate", "Redwood", "Silverline",
        "Bright", "Cobalt", "Maple", "Orion", "Pioneer", "Riverbend", "Sakura", "Fuji", "Keystone"]
_NOUN = ["Traders", "Logistics", "Analytics", "Foods", "Studios", "Health", "Robotics", "Energy",
         "Retail", "Labs", "Partners", "Systems", "商事", "Media", "Finance"]
_FIRST = ["Alex", "Jordan", "Taylor", "Morgan", "Riley", "Casey", "Priya", "Luis", "Mei", "Omar",
          "Hana", "Kenji", "Sofia", "Lukas", "Aiko", "Noah", "Emma", "Ravi", "Chloe", "Yuto"]
_LAST = ["Smith", "Garcia", "Chen", "Müller", "Tanaka", "Suzuki", "Nair", "Rossi", "Kim", "Brown",
         "Ito", "Nakamura", "Dubois", "Silva", "Cohen", "Okafor"]
_PAGES = ["/demo/#/dashboard", "/demo/#/reports", "/demo/#/settings"]
_COMMENTS = {
    "promoter": ["Saves me hours every week.", "The CSV export is great.", "Love the scheduled reports.",
                 "レポート作成がとても簡単です。"],
    "passive": ["Good, but sorting large tables is slow.", "Fine for our needs.", "もう少し速いと嬉しいです。"],
    "detractor": ["Too hard to share reports with clients.", "Exports time out on big reports.",
                  "Pricing went up without new features.", "設定画面がわかりにくい。"],
}
# Tagged features of the demo app: (key, name, click selector, use probability per active
# day for a power user; other profiles use them less, see _FEATURE_USE).
FEATURES = [
    ("new-report", "New report button", "[data-action=new-report]", 0.8),
    ("sort-reports", "Sort the reports table", "button[data-sort]", 0.35),
    ("search-reports", "Search reports", "#search", 0.25),
    ("save-settings", "Save settings", "#save-settings", 0.08),
    ("invite-teammate", "Invite a teammate", "#invite-form button[type=submit]", 0.05),
]
_FEATURE_USE = {"power": 1.0, "regular": 0.55, "casual": 0.25, "churned": 0.4}
WELCOME_HOLDOUT = 10  # guides/demo/welcome-tour.yaml holdout_percent
# (profile, share, active-day probability, reports per active day, nps mean)
_PROFILES = [
    ("power", 0.12, 0.75, 1.2, 9.2),
    ("regular", 0.38, 0.35, 0.5, 7.8),
    ("casual", 0.30, 0.10, 0.2, 6.5),
    ("churned", 0.20, 0.30, 0.3, 4.5),
]

# Named users the demo app's "Signed in as" switcher offers (examples/acme/session.js).
PERSONAS: dict[str, dict[str, Any]] = {
    "demo-user-1": {"account": "acct-001", "created_days_ago": 0, "history": "none",
                    "traits": {"name": "Dana Ito", "email": "dana@acme.example", "plan": "pro",
                               "role": "admin", "locale": "en", "mrr": 1200}},
    "demo-veteran": {"account": "acct-002", "created_days_ago": 200, "history": "veteran",
                     "traits": {"name": "Sam Carter", "email": "sam@acme.example", "plan": "team",
                                "role": "admin", "locale": "en", "mrr": 4800}},
    "demo-ja": {"account": "acct-003", "created_days_ago": 5, "history": "light",
                "traits": {"name": "佐藤 由紀", "email": "yuki@acme.example", "plan": "pro",
                           "role": "member", "locale": "ja", "mrr": 2400}},
    "demo-guest": {"account": "acct-001", "created_days_ago": 3, "history": "none",
                   "traits": {"name": "Gus Lee", "email": "gus@acme.example", "plan": "free",
                              "role": "guest", "locale": "en", "mrr": 1200}},
}
_PERSONA_ACCOUNTS = {
    "acct-001": {"name": "Northwind Traders", "plan": "pro", "mrr": 1200, "region": "us"},
    "acct-002": {"name": "Blue Harbor Logistics", "plan": "team", "mrr": 4800, "region": "eu"},
    "acct-003": {"name": "株式会社みなと商事", "plan": "pro", "mrr": 2400, "region": "jp"},
}


def _pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")


class _Events:
    """Builds event dicts with deterministic UUIDs."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.items: list[dict[str, Any]] = []

    def add(self, type_: str, user: str, account: str, ts: datetime, **extra: Any) -> None:
        event = {
            "id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            "type": type_, "user_id": user, "account_id": account, "timestamp": _iso(ts),
        }
        event.update({k: v for k, v in extra.items() if v is not None})
        self.items.append(event)

    def page(self, user: str, account: str, ts: datetime, path: str) -> None:
        self.add("page_view", user, account, ts,
                 properties={"url": f"http://localhost:8000{path}", "title": "Acme Reports"})

    def track(self, user: str, account: str, ts: datetime, name: str, **props: Any) -> None:
        self.add("track", user, account, ts, name=name, properties=props)


def _accounts(rng: random.Random, now: datetime) -> list[dict[str, Any]]:
    accounts = []
    for i in range(1, ACCOUNTS + 1):
        ext = f"acct-{i:03d}"
        if ext in _PERSONA_ACCOUNTS:
            traits = dict(_PERSONA_ACCOUNTS[ext])
        else:
            plan = _pick(rng, _PLANS)
            lo, hi = _MRR[plan]
            traits = {
                "name": f"{rng.choice(_ADJ)} {rng.choice(_NOUN)}",
                "plan": plan,
                "mrr": int(round(rng.uniform(lo, hi), -1)),
                "region": _pick(rng, _REGIONS),
            }
        created = now - timedelta(days=rng.randint(30, 900))
        traits["created_at"] = _iso(created)
        accounts.append({"external_id": ext, "traits": traits, "created": created})
    return accounts


def _person_row(env_id: int, ext: str, traits: dict[str, Any], first: datetime, last: datetime) -> dict[str, Any]:
    return {"environment_id": env_id, "external_id": ext, "traits": traits,
            "traits_hash": traits_hash(traits), "first_seen_at": first, "last_seen_at": last}


def _user_history(
    ev: _Events, rng: random.Random, user: str, account: str, created: datetime,
    profile: tuple[str, float, float, float, float], now: datetime,
) -> datetime:
    """Append one user's events; returns their last activity time."""
    name, _, p_active, reports_per_day, nps_mean = profile
    start = max(created, now - timedelta(days=DAYS))
    stop = now
    if name == "churned":
        stop = start + (now - start) * rng.uniform(0.15, 0.6)
    last = created
    reports = 0
    day = start
    while day < stop:
        if rng.random() < p_active:
            ts = day.replace(hour=rng.randint(7, 19), minute=rng.randint(0, 59), second=rng.randint(0, 59))
            if ts >= now:
                break
            for k in range(rng.randint(1, 5)):
                ev.page(user, account, ts + timedelta(minutes=3 * k), rng.choice(_PAGES))
            n = int(reports_per_day) + (1 if rng.random() < reports_per_day % 1 else 0)
            for k in range(n):
                reports += 1
                ev.track(user, account, ts + timedelta(minutes=4 + 5 * k), "report_created",
                         rows=rng.randint(10, 5000))
            use = _FEATURE_USE[name]
            for k, (key, _name, _sel, p) in enumerate(FEATURES):
                if rng.random() < p * use:
                    ev.add("feature_used", user, account, ts + timedelta(minutes=6 + k), name=key)
            if rng.random() < 0.15:
                ev.track(user, account, ts + timedelta(minutes=30), "report_exported", format="csv")
            if rng.random() < 0.03:
                ev.track(user, account, ts + timedelta(minutes=35), "settings_saved")
            if rng.random() < 0.02:
                ev.track(user, account, ts + timedelta(minutes=40), "invite_sent")
            last = max(last, ts + timedelta(minutes=45))
        day += timedelta(days=1)
    # New users in the window met the welcome tour on their first day — except the
    # holdout, whom targeting withholds it from (same hash). Users who finished the tour
    # often create their first report right after it: the goal the lift measures.
    if created >= now - timedelta(days=DAYS) and created + timedelta(minutes=2) < now:
        if not in_holdout(user, "welcome-tour", WELCOME_HOLDOUT):
            done = _welcome_tour(ev, rng, user, account, created + timedelta(minutes=2))
            if rng.random() < (0.55 if done else 0.2) and created + timedelta(minutes=5) < now:
                ev.track(user, account, created + timedelta(minutes=5), "report_created",
                         rows=rng.randint(10, 500))
    # Established users with a few reports were asked for NPS once this quarter.
    if created < now - timedelta(days=30) and reports >= 3 and rng.random() < 0.55 and last > start:
        asked = start + (last - start) * rng.uniform(0.3, 1.0)
        _nps(ev, rng, user, account, asked, nps_mean)
    return last


def _welcome_tour(ev: _Events, rng: random.Random, user: str, account: str, ts: datetime) -> bool:
    """The tour's events for one user; True when they completed it."""
    g = "welcome-tour"
    ev.add("guide_seen", user, account, ts, guide=g, step=0)
    steps = 4
    reach = rng.choices([1, 2, 3, 4], [0.15, 0.15, 0.1, 0.6])[0]
    for s in range(reach):
        t = ts + timedelta(seconds=20 * s)
        ev.add("step_seen", user, account, t, guide=g, step=s)
        if s < reach - 1 or reach == steps:
            ev.add("step_completed", user, account, t + timedelta(seconds=10), guide=g, step=s)
    end = ts + timedelta(seconds=20 * reach + 5)
    if reach == steps:
        ev.add("guide_completed", user, account, end, guide=g, step=steps - 1)
    else:
        ev.add("guide_dismissed", user, account, end, guide=g, step=reach - 1)
    return reach == steps


def _nps(ev: _Events, rng: random.Random, user: str, account: str, ts: datetime, mean: float) -> None:
    g = "nps-survey"
    score = max(0, min(10, round(rng.gauss(mean, 1.8))))
    kind = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
    ev.add("guide_seen", user, account, ts, guide=g, step=0)
    ev.add("step_seen", user, account, ts, guide=g, step=0)
    if rng.random() < 0.2:
        ev.add("guide_dismissed", user, account, ts + timedelta(seconds=4), guide=g, step=0)
        return
    answer: dict[str, Any] = {"kind": "nps", "score": score}
    if rng.random() < 0.4:
        answer["comment"] = rng.choice(_COMMENTS[kind])
    ev.add("survey_answered", user, account, ts + timedelta(seconds=15), guide=g, step=0, properties=answer)
    ev.add("step_completed", user, account, ts + timedelta(seconds=15), guide=g, step=0)
    ev.add("guide_completed", user, account, ts + timedelta(seconds=20), guide=g, step=1)


def _persona_history(ev: _Events, rng: random.Random, user: str, spec: dict[str, Any], now: datetime) -> datetime:
    account = spec["account"]
    created = now - timedelta(days=spec["created_days_ago"])
    if spec["history"] == "veteran":
        # Finished onboarding long ago; active every few days; not yet asked for NPS this
        # quarter, so the survey and the sort tip show for this user.
        ev.add("guide_completed", user, account, created + timedelta(hours=1), guide="welcome-tour", step=3)
        for d in range(DAYS, 0, -3):
            ts = now - timedelta(days=d, hours=rng.randint(1, 8))
            ev.page(user, account, ts, "/demo/#/reports")
            if d % 9 == 0:
                ev.track(user, account, ts + timedelta(minutes=2), "report_created", rows=rng.randint(10, 900))
        return now - timedelta(days=1)
    if spec["history"] == "light":
        for d in (4, 2, 1):
            ev.page(user, account, now - timedelta(days=d, hours=2), "/demo/#/dashboard")
        return now - timedelta(days=1)
    return created


def _chunks(items: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _tag_features(db: Database, environment_id: int, when: datetime) -> None:
    """The demo app's tagged features (click rules), created before the history starts."""
    from .features.service import create_feature, get_feature

    with db.session() as session:
        for key, name, selector, _p in FEATURES:
            if get_feature(session=session, environment_id=environment_id, key=key) is None:
                create_feature(session=session, environment_id=environment_id, key=key,
                               name=name, rules=[{"kind": "click", "target": selector}], now=when)
        session.commit()


def _fold_and_analyze(db: Database, environment_id: int, now: datetime) -> None:
    """Fold the history into the metrics rollups, then refresh the planner's statistics.

    After a bulk load the statistics say the tables are empty: without ANALYZE both
    SQLite and PostgreSQL pick nested-loop plans that made the loyalty metrics 30-100×
    slower on the demo set (bench/bench_admin.py)."""
    from .metrics.rollup import refresh_rollups

    with db.session() as session:
        # lag 0: the seed is the only writer, so no event id can still commit out of order
        # (the PostgreSQL default re-reads the last 60 s, i.e. the whole fresh history).
        refresh_rollups(session=session, environment_id=environment_id, now=now,
                        lag_seconds=0)
        session.commit()
    with db.write_engine.begin() as conn:
        analyze(conn)


def seed_history(db: Database, *, environment_id: int, users: int, seed: int = 7) -> dict[str, Any]:
    """Insert accounts, users, memberships and events; returns counts for the record."""
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    fast = FastSQL(db.hot_engine)
    _tag_features(db, environment_id, now - timedelta(days=DAYS + 1))
    accounts = _accounts(rng, now)
    by_region: dict[str, list[dict[str, Any]]] = {}
    for a in accounts:
        by_region.setdefault(a["traits"]["region"], []).append(a)

    user_rows: list[dict[str, Any]] = []
    memberships: list[dict[str, Any]] = []
    account_last: dict[str, datetime] = {}
    events = 0
    rejected = 0

    def flush(ev: _Events) -> None:
        nonlocal events, rejected
        for batch in _chunks(ev.items, 5000):
            result = ingest_events(fast=fast, environment_id=environment_id, raw_events=batch, now=now)
            events += result.accepted
            rejected += len(result.rejected)
        ev.items.clear()

    ev = _Events(rng)
    for ext, spec in PERSONAS.items():
        created = now - timedelta(days=spec["created_days_ago"])
        traits = {**spec["traits"], "created_at": _iso(created)}
        last = _persona_history(ev, rng, ext, spec, now)
        user_rows.append(_person_row(environment_id, ext, traits, created, max(last, created)))
        memberships.append({"environment_id": environment_id, "user_id": ext,
                            "account_id": spec["account"], "created_at": created})
    flush(ev)

    generated = max(0, users - len(PERSONAS))
    weights = [p[1] for p in _PROFILES]
    for start in progress(range(0, generated, _BATCH_USERS), total=-(-generated // _BATCH_USERS),
                          label="seeding sample history"):
        for i in range(start, min(start + _BATCH_USERS, generated)):
            account = rng.choice(accounts)
            acct_traits = account["traits"]
            # A fifth of the users joined in the last 30 days; the rest over the account's life.
            if rng.random() < 0.2:
                created = now - timedelta(days=rng.uniform(0, 30))
            else:
                oldest = max(31.0, (now - account["created"]).days)
                created = now - timedelta(days=rng.uniform(31, oldest))
            created = created.replace(microsecond=0)
            profile = rng.choices(_PROFILES, weights)[0]
            ext = f"u-{i + 1:05d}"
            jp = acct_traits["region"] == "jp"
            traits = {
                "name": f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
                "email": f"user{i + 1}@{acct_traits['name'].split()[0].lower()}.example",
                "plan": acct_traits["plan"],
                "mrr": acct_traits["mrr"],
                "role": rng.choices(["admin", "member", "guest"], [0.2, 0.7, 0.1])[0],
                "created_at": _iso(created),
                "locale": "ja" if (jp and rng.random() < 0.85) or rng.random() < 0.03 else "en",
            }
            last = _user_history(ev, rng, ext, account["external_id"], created, profile, now)
            user_rows.append(_person_row(environment_id, ext, traits, created, last))
            memberships.append({"environment_id": environment_id, "user_id": ext,
                                "account_id": account["external_id"], "created_at": created})
            prev = account_last.get(account["external_id"])
            account_last[account["external_id"]] = max(prev, last) if prev else last
        flush(ev)

    account_rows = [
        _person_row(environment_id, a["external_id"], a["traits"], a["created"],
                    account_last.get(a["external_id"], a["created"]))
        for a in accounts
    ]
    with db.write_engine.begin() as conn:
        # People who already bootstrapped (e.g. a browser open during a re-seed) are kept.
        for table, rows in ((Account, account_rows), (EndUser, user_rows)):
            existing = set(conn.scalars(
                sa.select(table.external_id).where(table.environment_id == environment_id)  # type: ignore[attr-defined]
            ))
            for chunk in _chunks([r for r in rows if r["external_id"] not in existing], 1000):
                conn.execute(sa.insert(table), chunk)
        linked = set(conn.execute(
            sa.select(AccountMembership.user_id, AccountMembership.account_id)
            .where(AccountMembership.environment_id == environment_id)
        ).tuples())
        fresh = [m for m in memberships if (m["user_id"], m["account_id"]) not in linked]
        for chunk in _chunks(fresh, 1000):
            conn.execute(sa.insert(AccountMembership), chunk)
    _fold_and_analyze(db, environment_id, now)
    return {"users": len(user_rows), "accounts": len(account_rows), "events": events,
            "rejected": rejected, "days": DAYS, "seeded_at": _iso(now)}
