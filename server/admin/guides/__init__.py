"""Guide authoring in the admin: list, editor, versions, import/export (docs/admin-guides.md).

Plugged into the admin by `EXTENSIONS` in server/admin/__init__.py.
"""

from __future__ import annotations

from ..site import AdminSite, NavItem
from . import editor, listing, transfer, versions


def register(site: AdminSite) -> None:
    base = "/w/{ws}/e/{env}/guides"
    one = base + "/{key}"
    site.route(base, listing.guide_list, name="guide-list", access="viewer")
    site.route(base + "/new", editor.guide_new, name="guide-new", access="editor")
    site.route(base + "/new", editor.guide_create, name="guide-create", access="editor",
               methods=("POST",))
    site.route(base + "/import", transfer.guide_import, name="guide-import", access="editor",
               methods=("POST",))
    site.route(base + "/export.zip", transfer.guide_export, name="guide-export",
               access="viewer")
    site.route(one + "/edit", editor.guide_edit, name="guide-edit", access="viewer")
    site.route(one + "/edit", editor.guide_save, name="guide-save", access="editor",
               methods=("POST",))
    site.route(one + "/duplicate", listing.guide_duplicate, name="guide-duplicate",
               access="editor", methods=("POST",))
    site.route(one + "/archive", listing.guide_archive, name="guide-archive", access="editor",
               methods=("POST",))
    site.route(one + "/promote", listing.guide_promote, name="guide-promote", access="editor",
               methods=("POST",))
    site.route(one + "/versions", versions.guide_versions, name="guide-versions",
               access="viewer")
    site.route(one + "/publish", versions.guide_publish, name="guide-publish", access="editor",
               methods=("POST",))
    site.route(one + "/rollback", versions.guide_rollback, name="guide-rollback",
               access="editor", methods=("POST",))
    site.route(one + "/unpublish", versions.guide_unpublish, name="guide-unpublish",
               access="editor", methods=("POST",))
    site.route(one + "/schedule", versions.guide_schedule, name="guide-schedule",
               access="editor", methods=("POST",))
    site.nav(NavItem("guides", "Guides", "guide-list", "viewer", order=10))
