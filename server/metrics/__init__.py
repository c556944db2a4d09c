"""Loyalty analytics: one pure query function per metric of METRICS.md.

Each function takes a session, an environment id and plain values (`as_of`, a `Period`
…), reads the daily rollups (kept current by `rollup.refresh_rollups`) or the event log
with portable SQLAlchemy Core, and returns a dataclass that holds the figures *and* the
ids behind every count, so the REST API and the dashboards open any number to its list
from the same code path.
"""
