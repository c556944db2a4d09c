"""In-app surveys: storing answers, pacing who is asked, and the results queries.

- answers.py   — one `survey_answered` event → a normalised, sanitised answer (pure)
- responses.py — the intake hook: store answers once, merge partial ones, NPS traits
- pacing.py    — `survey_allowed`, the one pure pacing decision (METRICS.md "Surveys")
- delivery.py  — apply pacing to survey guides at bootstrap
- results.py   — NPS / CES / CSAT for a period, distribution, weekly trend
- listing.py   — survey guides with response counts; responses page and CSV
"""
