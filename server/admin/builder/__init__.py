"""Visual builder, draft preview, "why didn't it show?" and broken targets (docs/builder.md).

Admin pages register through `register(site)` (listed in server.admin.EXTENSIONS); the
SDK-facing endpoints (`sdk_api.routes`) are mounted by create_app under /api/sdk/v1.
"""

from __future__ import annotations

from ..site import AdminSite


def register(site: AdminSite) -> None:
    from . import pages, reports

    pages.register(site)
    reports.register(site)
