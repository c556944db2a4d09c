"""Loyalty analytics dashboards in the admin (docs/dashboards.md).

Overview, guides, features, NPS, loyalty and accounts pages; the people behind every
count (list, CSV, "turn into a segment"); user and account profiles. Every figure comes
from the server/metrics functions the REST API (/api/v1/metrics) calls — see calc.py.
Plugged into the admin by `EXTENSIONS` in server/admin/__init__.py.
"""

from __future__ import annotations

from ..i18n import N_
from ..site import AdminSite, NavItem

NAV_LABEL = N_("Analytics")


def register(site: AdminSite) -> None:
    from . import common, loyalty, people, profiles, usage

    base = "/w/{ws}/e/{env}/analytics"
    builders = {"overview": usage.overview, "guides": usage.guides_page,
                "features": usage.features_page, "nps": usage.nps_page,
                "loyalty": loyalty.loyalty_page, "accounts": loyalty.accounts_page}
    for name, build in builders.items():
        path = base if name == "overview" else f"{base}/{name}"
        site.route(path, common.page_view(name, build), name=f"analytics-{name}",
                   access="viewer")
        csv_path = f"{base}/overview.csv" if name == "overview" else f"{path}.csv"
        site.route(csv_path, common.csv_view(name, build), name=f"analytics-{name}-csv",
                   access="viewer")
    site.route(f"{base}/people", people.people_list, name="analytics-people", access="viewer")
    site.route(f"{base}/people.csv", people.people_csv, name="analytics-people-csv",
               access="viewer")
    site.route(f"{base}/people/segment", people.people_segment, name="analytics-segment-create",
               access="editor", methods=("POST",))
    site.route(f"{base}/user", profiles.user_profile, name="analytics-user", access="viewer")
    site.route(f"{base}/account", profiles.account_profile, name="analytics-account",
               access="viewer")
    site.nav(NavItem("analytics", NAV_LABEL, "analytics-overview", "viewer", order=5))
