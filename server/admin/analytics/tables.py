"""Tables of the analytics pages: rendered by one macro, exported by one CSV writer.

A page builds its tables as `Table`s; the `…/<page>.csv?table=ID` route rebuilds the page
with the same filters and writes that table, so every table has the same columns and
numbers on screen and in the file. A cell may link to the list of people behind it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.responses import Response

Fmt = Literal["text", "number", "share", "code", "signed", "score"]


@dataclass(frozen=True, slots=True)
class Cell:
    value: Any
    href: str | None = None
    fmt: Fmt = "text"


@dataclass
class Table:
    """`columns`: (msgid label, format) pairs; rows of `Cell` or plain values."""

    id: str
    caption: str
    columns: list[tuple[str, Fmt]]
    rows: list[list[Cell]] = field(default_factory=list)

    def add(self, *values: Any) -> None:
        cells = []
        for value, (_label, fmt) in zip(values, self.columns, strict=True):
            cells.append(value if isinstance(value, Cell) else Cell(value, None, fmt))
        self.rows.append(cells)


def link(value: Any, href: str | None, fmt: Fmt = "number") -> Cell:
    return Cell(value, href, fmt)


def _csv_value(value: Any) -> str:
    text = "" if value is None else str(value)
    # A cell a spreadsheet would run as a formula starts with an apostrophe (as the audit
    # log and survey exports do).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _numeric(text) \
        else text


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_response(table: Table, labels: Sequence[str], filename: str) -> Response:
    """The table as CSV (raw values: shares as fractions, counts as integers)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(labels)
    for row in table.rows:
        writer.writerow([_csv_value(c.value) for c in row])
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})
