"""Feature tags in the admin: list, create, edit rules, archive, usage, in-app check
(docs/admin-surveys.md). Plugged into the admin by `EXTENSIONS` in server/admin/__init__.py.
"""

from __future__ import annotations

from ..site import AdminSite, NavItem


def register(site: AdminSite) -> None:
    from . import detail, pages, pick

    base = "/w/{ws}/e/{env}/features"
    one = base + "/{feature}"
    site.route(base, pages.feature_list, name="feature-list", access="viewer")
    site.route(base + "/new", pages.feature_new, name="feature-new", access="editor")
    site.route(base + "/new", pages.feature_create, name="feature-create", access="editor",
               methods=("POST",))
    site.route(one, detail.feature_detail, name="feature-detail", access="viewer")
    site.route(one + "/usage.csv", detail.feature_usage_csv, name="feature-usage-csv",
               access="viewer")
    site.route(one + "/check", detail.feature_check, name="feature-check", access="viewer")
    site.route(one + "/edit", pages.feature_edit, name="feature-edit", access="editor")
    site.route(one + "/edit", pages.feature_save, name="feature-save", access="editor",
               methods=("POST",))
    site.route(one + "/pick", pick.feature_pick, name="feature-pick", access="editor")
    site.route(one + "/pick", pick.feature_pick_open, name="feature-pick-open", access="editor",
               methods=("POST",))
    site.route(one + "/archive", pages.feature_archive, name="feature-archive",
               access="editor", methods=("POST",))
    site.route(one + "/unarchive", pages.feature_unarchive, name="feature-unarchive",
               access="editor", methods=("POST",))
    site.nav(NavItem("features", "Features", "feature-list", "viewer", order=20))
