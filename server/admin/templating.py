"""The admin's Jinja2 environment: autoescape on, gettext per request, locale filters.

Templates live at templates/admin/<resource>/<action>.html, partials start with `_`,
every page extends admin/base.html. Translation functions read the request's catalog
from the render context (one shared Environment, safe across threads).
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context

from .i18n import format_number, format_share, format_when
from .site import HERE


@pass_context
def _gettext(ctx: Context, message: str) -> str:
    return str(ctx["translations"].gettext(message))


@pass_context
def _ngettext(ctx: Context, singular: str, plural: str, n: int) -> str:
    return str(ctx["translations"].ngettext(singular, plural, n))


@pass_context
def _when(ctx: Context, value: Any) -> str:
    return format_when(value, ctx["lang"])


@pass_context
def _number(ctx: Context, value: Any) -> str:
    return format_number(value, ctx["lang"])


@pass_context
def _share(ctx: Context, value: Any) -> str:
    return format_share(value, ctx["lang"])


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(HERE / "templates")),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["when"] = _when
    env.filters["number"] = _number
    env.filters["share"] = _share
    return env
