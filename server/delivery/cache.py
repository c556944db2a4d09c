"""Per-process cache of each environment's compiled, published guides and SDK settings.

Entries are keyed by `environment.guides_version`, which every publish / configuration
change bumps in the same transaction. Each bootstrap reads that counter (it comes with
the key lookup, one indexed row), so N workers on M hosts serve a publish within one
request, without any cross-process signalling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlmodel import Session, select

from ..features.service import delivered_features
from ..guides.compile import compile_guide_payload
from ..models import Environment, Guide, GuideVersion
from ..segments.budget import BudgetPlan, budget_plan, throttle_of
from ..segments.delivery import SegmentPlan, build_plan
from ..targeting.eligibility import CompiledGuide
from ..targeting.evaluate import compile_rule
from ..targeting.frequency import frequency_interval
from .counts import CountPlan, count_plan


@dataclass(slots=True)
class EnvironmentEntry:
    """What bootstrap needs about one environment, ready to use."""

    environment_id: int
    version: int
    allowed_origins: frozenset[str]
    identity_verification: bool
    identity_secrets: list[str]
    guides: list[CompiledGuide]
    # Serialised guide payloads without their closing brace: state is appended per user.
    guide_prefix: dict[str, bytes] = field(default_factory=dict)
    settings_json: bytes = b"{}"
    features_json: bytes = b"[]"
    # Survey guide key -> its pacing (server/surveys/delivery.py applies it per user).
    survey_pacing: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Which audiences a user passes, by (user, account, their traits): a returning user
    # bootstraps on every page load, and re-running 20 compiled rule trees costs more than
    # the rest of the request. Entries live AUDIENCE_MEMO_SECONDS (time-relative rules
    # such as within_days may flip) and die with the entry when anything is published.
    audience_memo: dict[tuple[Any, ...], tuple[float, frozenset[str]]] = field(default_factory=dict)
    # Guides whose audience reads event history or segments: evaluated on every request,
    # never memoised (a `count_lt 1` rule must stop matching as soon as the event lands).
    dynamic: frozenset[str] = frozenset()
    # Dynamic guides whose audience is `all` of trait-only and history/segment conjuncts:
    # key -> (trait-only part, the rest), so the first can be memoised like static guides.
    dynamic_parts: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    # The segments published audiences name (None: none do); the fatigue budget's guides.
    segment_plan: SegmentPlan | None = None
    budget: BudgetPlan | None = None
    # The event counts the dynamic audiences and their rule segments read, as columns of
    # the snapshot statement (server/delivery/counts.py); None: none.
    count_plan: CountPlan | None = None
    # Derived in __post_init__, so a bootstrap splices bytes instead of building JSON:
    # each guide's whole object for a user with no state yet (the common case), the same
    # with the budget's manual trigger, the bytes after the guide list, and the budget's
    # throttle read once.
    guide_fresh: dict[str, bytes] = field(default_factory=dict)
    throttled_fresh: dict[str, bytes] = field(default_factory=dict)
    tail_json: bytes = b""
    budget_cooldown: timedelta = timedelta(0)
    budget_per_day: int = 0
    # Whole bootstrap answers of returning users, by request (server/delivery/bootstrap.py,
    # `remember_response`), valid while the user's snapshot row is unchanged and until the
    # first instant at which time alone could change a decision: the schedule bounds, and
    # per guide state its snooze end and its last showing plus each of `time_offsets`
    # (every_days intervals, the budget's cooldown and its 24 h day).
    response_memo: dict[tuple[Any, ...], tuple[Any, ...]] = field(default_factory=dict)
    joined_guides: dict[tuple[bytes, ...], bytes] = field(default_factory=dict)
    schedule_bounds: tuple[datetime, ...] = ()
    time_offsets: tuple[timedelta, ...] = ()

    def __post_init__(self) -> None:
        self.guide_fresh = {k: p + FRESH_STATE for k, p in self.guide_prefix.items()}
        if self.budget is not None:
            self.throttled_fresh = {
                k: p + FRESH_STATE for k, p in self.budget.manual_prefix.items()
            }
            cooldown, self.budget_per_day = throttle_of(self.budget.throttle)
            self.budget_cooldown = timedelta(minutes=cooldown)
        self.tail_json = (b'],"features":' + self.features_json
                          + b',"settings":' + self.settings_json + b"}")
        bounds = {b for g in self.guides if g.schedule_window for b in g.schedule_window if b}
        self.schedule_bounds = tuple(sorted(bounds))
        offsets = {i for g in self.guides if (i := frequency_interval(g.frequency)) is not None}
        if self.budget is not None:
            offsets |= {self.budget_cooldown, timedelta(hours=24)}
        self.time_offsets = tuple(sorted(offsets))


# The "state" member of a guide the user has no guide_state row for (then `}` closes it).
FRESH_STATE = b',"state":' + orjson.dumps(
    {"seen": 0, "step": 0, "completed": False, "dismissed": False, "snoozed_until": None}
) + b"}"


AUDIENCE_MEMO_SECONDS = 60.0
AUDIENCE_MEMO_MAX = 50_000


def build_entry(session: Session, env: Environment) -> EnvironmentEntry:
    """Load and compile everything published in `env`."""
    rows = session.exec(
        select(Guide, GuideVersion)
        .join(
            GuideVersion,
            (GuideVersion.guide_id == Guide.id)
            & (GuideVersion.number == Guide.published_version),
        )
        .where(Guide.environment_id == env.id, Guide.status == "published")
    ).all()
    compiled: list[CompiledGuide] = []
    prefixes: dict[str, bytes] = {}
    pacing: dict[str, dict[str, Any]] = {}
    for guide, version in rows:
        defn = version.definition
        payload = compile_guide_payload(defn, version.number)
        compiled.append(
            CompiledGuide(
                key=guide.key,
                priority=int(defn.get("priority", 0)),
                audience=compile_rule(defn.get("audience")),
                # A survey re-asks per its pacing: the compiled payload says how.
                frequency=(payload["frequency"] if "pacing" in payload
                           else defn.get("frequency") or {"mode": "once"}),
                schedule=defn.get("schedule"),
                holdout_percent=int(defn.get("holdout_percent") or 0),
                payload=payload,
                audience_rule=defn.get("audience"),
                manual=(defn.get("trigger") or {}).get("on") == "manual",
            )
        )
        prefixes[guide.key] = orjson.dumps(payload)[:-1]
        if "pacing" in payload:
            pacing[guide.key] = payload["pacing"]
    compiled.sort(key=lambda g: (-g.priority, g.key))
    dynamic = frozenset(
        g.key for g in compiled if _reads_history(g.audience_rule)
    )
    segment_plan = build_plan(session=session, environment_id=env.id,  # type: ignore[arg-type]
                              audiences=[g.audience_rule for g in compiled])
    dynamic_parts = {}
    for g in compiled:
        if g.key in dynamic and (split := _split_all(g.audience_rule)) is not None:
            dynamic_parts[g.key] = split
    return EnvironmentEntry(
        environment_id=env.id,  # type: ignore[arg-type]
        version=env.guides_version,
        allowed_origins=frozenset(env.allowed_origins),
        identity_verification=env.identity_verification,
        identity_secrets=list(env.identity_secrets),
        guides=compiled,
        guide_prefix=prefixes,
        settings_json=orjson.dumps(_sdk_settings(env.settings)),
        features_json=orjson.dumps(delivered_features(session=session, environment_id=env.id)),  # type: ignore[arg-type]
        survey_pacing=pacing,
        dynamic=dynamic,
        dynamic_parts=dynamic_parts,
        segment_plan=segment_plan,
        count_plan=count_plan([g.audience_rule for g in compiled if g.key in dynamic],
                              segment_plan),
        budget=budget_plan(payloads=[(g.key, g.payload) for g in compiled],
                           throttle=(env.settings or {}).get("throttle")),
    )


def _split_all(rule: Any) -> tuple[Any, Any] | None:
    """`{all: [...]}` with trait-only and history/segment conjuncts, as two compiled
    predicates (trait-only, the rest); None for any other shape. all(A + B) is all(A) and
    all(B) in the evaluator's three-valued logic: A never yields "unknown"."""
    if not isinstance(rule, dict) or set(rule) != {"all"} or not isinstance(rule["all"], list):
        return None
    static = [c for c in rule["all"] if not _reads_history(c)]
    rest = [c for c in rule["all"] if _reads_history(c)]
    if not static or not rest:
        return None
    return compile_rule({"all": static}), compile_rule({"all": rest})


def _reads_history(rule: Any) -> bool:
    """Does this rule (normalised dict) contain an event-history or segment leaf?"""
    if isinstance(rule, dict):
        if "event" in rule or "segment" in rule:
            return True
        return any(_reads_history(v) for v in rule.values() if isinstance(v, dict | list))
    if isinstance(rule, list):
        return any(_reads_history(v) for v in rule)
    return False


def _sdk_settings(settings: dict[str, Any]) -> dict[str, Any]:
    keys = ("theme", "locale", "target_wait_ms", "url_poll_ms", "throttle")
    return {k: settings[k] for k in keys if k in settings}


class GuideCache:
    """environment id -> EnvironmentEntry, refreshed when the version counter moves."""

    def __init__(self) -> None:
        self._entries: dict[int, EnvironmentEntry] = {}
        # publishable key -> the entry it last resolved to: a hint for what the next
        # bootstrap with that key should read (`hint`), never for what it answers.
        self._by_key: dict[str, EnvironmentEntry] = {}

    def hint(self, publishable_key: str) -> EnvironmentEntry | None:
        """The entry this key resolved to last: what its next bootstrap should read with
        its snapshot (memberships? which event counts?), never what it answers."""
        return self._by_key.get(publishable_key)

    def note_key(self, publishable_key: str, entry: EnvironmentEntry) -> None:
        if self._by_key.get(publishable_key) is not entry:
            self._by_key[publishable_key] = entry

    def get(self, environment_id: int, version: int) -> EnvironmentEntry | None:
        entry = self._entries.get(environment_id)
        if entry is not None and entry.version == version:
            return entry
        return None

    def resolve(self, db: Any, environment_id: int, version: int) -> EnvironmentEntry:
        """The entry at `version`, (re)built from the database when the counter moved."""
        entry = self._entries.get(environment_id)
        if entry is not None and entry.version == version:
            return entry
        with db.session() as session:
            env = session.get(Environment, environment_id)
            assert env is not None
            entry = build_entry(session, env)
        self.put(entry)
        return entry

    def put(self, entry: EnvironmentEntry) -> None:
        self._entries[entry.environment_id] = entry

    def clear(self) -> None:
        self._entries.clear()
        self._by_key.clear()
