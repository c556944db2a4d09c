"""Committed generated files (guides/schema.json, docs/openapi.json): write, or check staleness."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path


def generated_file_main(
    argv: Sequence[str] | None, *, prog: str, default_path: Path, render: Callable[[], str]
) -> int:
    """CLI body: write `render()` to the file, or with --check exit 1 when it differs."""
    parser = argparse.ArgumentParser(prog=f"python -m {prog}")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    parser.add_argument("--path", type=Path, default=default_path)
    args = parser.parse_args(argv)
    text = render()
    current = args.path.read_text("utf-8") if args.path.exists() else None
    if args.check:
        if current != text:
            print(f"{args.path} is stale: run python -m {prog}", file=sys.stderr)
            return 1
        return 0
    if current != text:
        args.path.parent.mkdir(parents=True, exist_ok=True)
        args.path.write_text(text, "utf-8")
        print(f"wrote {args.path}")
    return 0
