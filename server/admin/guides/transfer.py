"""Guides as code from the UI: import YAML files (the same all-or-nothing import as the
CLI) and export the environment's guides as a zip of canonical YAML files.

The admin forms accept no file parts (context.py reads forms with ``max_files=0``), so
the page's script reads the chosen files and posts their text as ``file_name`` /
``file_text`` pairs; without scripts, one guide can be pasted into ``yaml_text``.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path

from starlette.responses import Response

from ...guides.errors import GuideFileError
from ...guides.service import export_guides, import_guide_files
from ..context import AdminContext
from .common import author, record
from .listing import guide_list

MAX_FILES = 50
_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _files(ctx: AdminContext) -> list[tuple[str, str]]:
    names = [n for n in ctx.form.getlist("file_name") if isinstance(n, str)]
    texts = [t for t in ctx.form.getlist("file_text") if isinstance(t, str)]
    files = list(zip(names, texts, strict=False))
    pasted = ctx.field("yaml_text")
    if pasted:
        files.append(("pasted.yaml", pasted))
    return files


def _safe_name(name: str, index: int) -> str:
    base = _NAME.sub("-", Path(name.replace("\\", "/")).name)[:80].lstrip(".") or "guide"
    if not base.endswith((".yaml", ".yml", ".json")):
        base += ".yaml"
    return f"{index:02d}-{base}" if index else base


def guide_import(ctx: AdminContext) -> Response:
    assert ctx.environment is not None
    files = _files(ctx)
    if not files:
        return guide_list(ctx, 422, [ctx._("Choose at least one guide file.")])
    if len(files) > MAX_FILES:
        return guide_list(ctx, 422, [ctx._("At most %(n)s files at once.", n=MAX_FILES)])
    draft = ctx.field("draft") == "yes"
    with tempfile.TemporaryDirectory(prefix="shirube-import-") as tmp:
        paths = []
        used: set[str] = set()
        for index, (name, text) in enumerate(files):
            safe = _safe_name(name, 0)
            if safe in used:
                safe = _safe_name(name, index)
            used.add(safe)
            path = Path(tmp) / safe
            path.write_text(text, encoding="utf-8")
            paths.append(path)
        try:
            result = import_guide_files(session=ctx.db, environment=ctx.environment,
                                        paths=paths, draft=draft, author=author(ctx))
        except GuideFileError as exc:
            return guide_list(ctx, 422, exc.problems)
    record(ctx, "guide.import", "*", created=result.created, updated=result.updated,
           unchanged=result.unchanged, draft=draft)
    return ctx.redirect("guide-list", q_msg="imported", q_detail=result.summary())


def guide_export(ctx: AdminContext) -> Response:
    assert ctx.environment is not None
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="shirube-export-") as tmp:
        written = export_guides(session=ctx.db, environment=ctx.environment, directory=tmp)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in written:
                zf.write(path, arcname=path.name)
    name = f"guides-{ctx.environment.name}.zip"
    return Response(buffer.getvalue(), media_type="application/zip",
                    headers={"content-disposition": f'attachment; filename="{name}"'})
