"""Generate ``guides/schema.json`` from the ``GuideFile`` model.

``python -m server.guides.schema`` writes the file; ``--check`` exits 1 when it is stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..generated import generated_file_main
from .model import GuideFile

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "guides" / "schema.json"
SCHEMA_ID = "https://shirube.dev/schema/guide-file.json"


def guide_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a guide file."""
    schema = GuideFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "Shirube guide file"
    return schema


def render_schema() -> str:
    """The schema as committed: pretty, sorted keys, UTF-8, trailing newline."""
    return json.dumps(guide_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the schema file, or with ``--check`` report whether it is up to date."""
    return generated_file_main(
        argv, prog="server.guides.schema", default_path=SCHEMA_PATH, render=render_schema
    )


if __name__ == "__main__":
    raise SystemExit(main())
