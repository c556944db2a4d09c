"""No-code feature tags (METRICS.md "Feature adoption").

- rules.py    — the rule models (click / url / event) and what bootstrap delivers
- urlmatch.py — URL rules matched exactly as the SDK does (sdk_js/src/url.js)
- service.py  — create, update, rename, archive, list (bumps guides_version)
- usage.py    — usage computed at query time (retroactive for url and event rules)
"""
