"""A small, hand-shaped history for the metrics tests: 40 users, 8 accounts, 100 days.

`build()` returns the raw rows (plain dicts and tuples); `load()` writes them into a
database. The tests compute what each metric should be from these rows with plain Python
and compare with server/metrics — so nothing here knows how the metrics are computed.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

AS_OF = date(2026, 11, 1)
START = datetime(2026, 7, 24, tzinfo=UTC)  # 100 days before AS_OF
GUIDE = "welcome"
GOAL = "report_created"
FEATURES = ("reports", "export", "filters", "sharing", "billing")
GUIDE_DEF: dict[str, Any] = {
    "key": GUIDE, "name": "Welcome", "type": "tour", "holdout_percent": 30,
    "goal": {"event": GOAL, "within_days": 7},
    "steps": [
        {"kind": "modal", "title": "Hi", "body": "one"},
        {"kind": "modal", "title": "Two", "body": "two"},
        {"kind": "modal", "title": "Three", "body": "three"},
    ],
}


@dataclass
class Data:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)      # id → traits
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)   # id → traits
    memberships: list[tuple[str, str, datetime]] = field(default_factory=list)  # user, acct, at
    events: list[dict[str, Any]] = field(default_factory=list)


def build(seed: int = 7) -> Data:
    """The fixture history (deterministic)."""
    rnd = random.Random(seed)
    d = Data()
    mrr = [900, 250, 250, 4000, 60, 1200, 480]  # a7 has no mrr
    for a in range(8):
        traits: dict[str, Any] = {"name": f"Account {a}"}
        if a < len(mrr):
            traits["mrr"] = mrr[a]
        if a == 6:
            traits["churned"] = True
        d.accounts[f"a{a}"] = traits
    for u in range(40):
        uid = f"u{u:02d}"
        traits = {"plan": rnd.choice(["free", "pro"])}
        if u % 5 == 0:
            traits["created_at"] = (START + timedelta(days=rnd.randrange(0, 60))).date().isoformat()
        if u >= 32:
            traits["mrr"] = rnd.choice([0, 30, 99, "150", None, True])
        if u == 33:
            traits["churned"] = "yes"
        d.users[uid] = traits
        if u < 32:
            d.memberships.append((uid, f"a{u // 4}", START))
    d.memberships.append(("u05", "a7", START + timedelta(days=3)))  # a later, second account
    account_of = {u: a for u, a, _ in sorted(d.memberships, key=lambda m: m[2])}

    def ev(uid: str, ts: datetime, type_: str, **kw: Any) -> None:
        d.events.append({"id": str(uuid.UUID(int=rnd.getrandbits(128))), "type": type_,
                         "user_id": uid, "account_id": account_of.get(uid), "timestamp": ts,
                         "name": kw.pop("name", None), "guide": kw.pop("guide", None),
                         "step": kw.pop("step", None), "properties": kw.pop("properties", {})})

    for u in range(40):
        uid = f"u{u:02d}"
        begin = rnd.randrange(0, 95)
        intensity = rnd.choice([0.05, 0.15, 0.4, 0.7, 0.95])
        stop = rnd.choice([100, 100, 100, 70, 85])
        for day in range(begin, stop):
            if day != begin and rnd.random() > intensity:
                continue
            base = START + timedelta(days=day, hours=rnd.randrange(0, 23),
                                     minutes=rnd.randrange(60))
            for i in range(rnd.randrange(1, 4)):
                ev(uid, base + timedelta(minutes=7 * i), rnd.choice(["page_view", "track"]),
                   name=rnd.choice(["opened", GOAL, None]) if i else None)
            if rnd.random() < 0.3:
                ev(uid, base + timedelta(minutes=30), "feature_used",
                   name=rnd.choice(FEATURES[: 1 + u % 5]))
            if day == begin and rnd.random() < 0.6:
                ts = base + timedelta(minutes=1)
                ev(uid, ts, "guide_seen", guide=GUIDE, step=0)
                last = rnd.randrange(0, 3)
                for s in range(last + 1):
                    ev(uid, ts + timedelta(seconds=10 * s), "step_seen", guide=GUIDE, step=s)
                if last == 2 and rnd.random() < 0.7:
                    ev(uid, ts + timedelta(seconds=40), "guide_completed", guide=GUIDE)
                elif rnd.random() < 0.5:
                    ev(uid, ts + timedelta(seconds=40), "guide_dismissed", guide=GUIDE, step=last)
                if rnd.random() < 0.5:
                    ev(uid, ts + timedelta(days=rnd.choice([0, 2, 6, 9]), minutes=5), "track",
                       name=GOAL)
            if rnd.random() < 0.08:
                score = rnd.randrange(0, 11)
                ev(uid, base + timedelta(minutes=50), "survey_answered", guide="nps",
                   properties={"kind": "nps", "score": score, "scale": 10})
            if rnd.random() < 0.03:
                ev(uid, base + timedelta(minutes=55), "survey_answered", guide="ces",
                   properties={"kind": "ces", "score": 2, "scale": 7})
    # Edge rows: an invalid NPS answer, an answer after AS_OF, an explicit churn event.
    ev("u01", START + timedelta(days=95), "survey_answered",
       properties={"kind": "nps", "score": "ten"})
    ev("u02", datetime.combine(AS_OF, datetime.min.time(), UTC) + timedelta(days=1, hours=1),
       "survey_answered", properties={"kind": "nps", "score": 0})
    ev("u04", START + timedelta(days=93), "track", name="churned")
    d.events.append({"id": str(uuid.uuid4()), "type": "page_view", "user_id": None,
                     "account_id": None, "timestamp": START + timedelta(days=50), "name": None,
                     "guide": None, "step": None, "properties": {}})
    return d


def load(db: Any, environment_id: int, data: Data) -> None:
    """Write the fixture rows into the database (straight into the tables)."""
    from server.models import Account, AccountMembership, EndUser, Event

    with db.session() as s:
        for uid, traits in data.users.items():
            s.add(EndUser(environment_id=environment_id, external_id=uid, traits=traits))
        for aid, traits in data.accounts.items():
            s.add(Account(environment_id=environment_id, external_id=aid, traits=traits))
        for uid, aid, at in data.memberships:
            s.add(AccountMembership(environment_id=environment_id, user_id=uid, account_id=aid,
                                    created_at=at))
        for e in data.events:
            s.add(Event(environment_id=environment_id, uuid=e["id"], type=e["type"],
                        name=e["name"], user_id=e["user_id"], account_id=e["account_id"],
                        guide_key=e["guide"], step=e["step"], properties=e["properties"],
                        timestamp=e["timestamp"], received_at=e["timestamp"]))
        s.commit()
