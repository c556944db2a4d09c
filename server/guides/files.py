"""Guide files on disk: load + validate with readable errors, canonical dump, hashing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .errors import GuideFileError, problems_from_validation_error
from .model import GuideFile, Target
from .yamlio import dump_yaml, load_yaml

MAX_FILE_BYTES = 1_000_000


def validate_definition(data: Any, *, source: str = "") -> GuideFile:
    """Validate a parsed guide (dict) into a ``GuideFile``.

    Raises ``GuideFileError`` whose problems read ``source: steps[2].target: reason``.
    """
    prefix = f"{source}: " if source else ""
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise GuideFileError(f"{prefix}the top level must be a mapping of guide fields, not {kind}")
    try:
        return GuideFile.model_validate(data)
    except ValidationError as exc:
        raise GuideFileError(
            [f"{prefix}{problem}" for problem in problems_from_validation_error(exc)]
        ) from None


def parse_guide_text(text: str, *, source: str = "") -> GuideFile:
    """Parse and validate the YAML (or JSON) text of one guide file."""
    prefix = f"{source}: " if source else ""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise GuideFileError(f"{prefix}larger than {MAX_FILE_BYTES:,} bytes")
    try:
        data = load_yaml(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        reason = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise GuideFileError(f"{prefix}{where}{reason}") from None
    except yaml.YAMLError as exc:
        raise GuideFileError(f"{prefix}invalid YAML: {exc}") from None
    return validate_definition(data, source=source)


def load_guide_file(path: str | Path) -> GuideFile:
    """Read, parse and validate one guide file; errors name the file (``welcome.yaml: …``)."""
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise GuideFileError(f"{name}: larger than {MAX_FILE_BYTES:,} bytes")
        raw = path.read_bytes()
    except OSError as exc:
        raise GuideFileError(f"{name}: cannot read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GuideFileError(f"{name}: not UTF-8 text (byte {exc.start})") from None
    return parse_guide_text(text, source=name)


def normalise_definition(guide: GuideFile) -> dict[str, Any]:
    """The normalised JSON dict of a guide: what versions store, hash and compile."""
    return guide.model_dump(mode="json", exclude_none=True, by_alias=True)


def definition_hash(definition: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of a normalised definition."""
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _is_default(model: BaseModel, name: str, value: Any) -> bool:
    field = type(model).model_fields[name]
    if field.is_required():
        return False
    return bool(value == field.get_default(call_default_factory=True))


def _canonical(value: Any) -> Any:
    if isinstance(value, Target):
        if len(value.selectors) == 1 and value.text is None and value.strictness == "normal":
            return value.selectors[0]  # the string shorthand
    if isinstance(value, BaseModel):
        out: dict[str, Any] = {}
        for name, field in type(value).model_fields.items():
            item = getattr(value, name)
            if item is None or _is_default(value, name, item):
                continue
            out[field.alias or name] = _canonical(item)
        return out
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    return value


def canonical_dict(guide: GuideFile) -> dict[str, Any]:
    """The guide as the canonical file writes it: field order, no defaults, no nulls."""
    result = _canonical(guide)
    assert isinstance(result, dict)
    return result


def dump_guide(definition: GuideFile | dict[str, Any]) -> str:
    """Canonical YAML of a guide: export → import → export is byte-identical."""
    guide = definition
    if not isinstance(guide, GuideFile):
        guide = GuideFile.model_validate(guide)
    return dump_yaml(canonical_dict(guide))
