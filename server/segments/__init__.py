"""Segments: saved audiences (rule-based and computed), their members, and the
targeting-time helpers bootstrap calls (segment membership, holdout recording, the
server side of the fatigue budget). See docs/segments.md.

- definition.py: validate definitions; translate feature/guide leaves for the evaluator.
- service.py: create/read/update/delete (bumps guides_version: caches see the change).
- compute.py: members of computed segments, from the metrics layer's functions.
- rules.py: members of rule segments for a whole environment (the same evaluator).
- refresh.py: `shirube segments refresh` — materialise, diff, webhook messages.
- intake.py: the intake hook (NPS segments, survey/guide webhook messages).
- delivery.py: bootstrap helpers (membership, holdouts); budget.py: the fatigue budget.
"""
