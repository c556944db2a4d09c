"""Survey results in the admin: list, results per survey, CSV (docs/admin-surveys.md).

Plugged into the admin by `EXTENSIONS` in server/admin/__init__.py.
"""

from __future__ import annotations

from ..i18n import N_
from ..site import AdminSite, NavItem

NAV_LABEL = N_("Surveys")


def register(site: AdminSite) -> None:
    from . import pages

    base = "/w/{ws}/e/{env}/surveys"
    site.route(base, pages.survey_list, name="survey-list", access="viewer")
    site.route(base + "/{survey}", pages.survey_results, name="survey-results",
               access="viewer")
    site.route(base + "/{survey}/responses.csv", pages.survey_responses_csv,
               name="survey-responses-csv", access="viewer")
    site.nav(NavItem("surveys", NAV_LABEL, "survey-list", "viewer", order=15))
