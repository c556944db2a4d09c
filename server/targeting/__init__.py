"""Server-side targeting: audience rules, frequency, schedule, holdouts, explanations.

Pure code: no Starlette, no database session; ``now`` is always passed in.
"""

from server.targeting.context import EvalContext
from server.targeting.eligibility import (
    CompiledGuide,
    Eligibility,
    explain_guide,
    holdout_bucket,
    in_holdout,
    partition_eligible,
    select_eligible,
)
from server.targeting.evaluate import compile_rule, evaluate
from server.targeting.explain import explain_rule
from server.targeting.frequency import (
    GuideStateView,
    compile_frequency,
    compile_schedule,
    frequency_allows,
    frequency_ok,
    schedule_allows,
)

__all__ = [
    "CompiledGuide",
    "Eligibility",
    "EvalContext",
    "GuideStateView",
    "compile_frequency",
    "compile_rule",
    "compile_schedule",
    "evaluate",
    "explain_guide",
    "explain_rule",
    "frequency_allows",
    "frequency_ok",
    "holdout_bucket",
    "in_holdout",
    "partition_eligible",
    "schedule_allows",
    "select_eligible",
]
