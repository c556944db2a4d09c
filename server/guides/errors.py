"""Validation problems of guide files, with paths like ``steps[2].target``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import ValidationError

from server.targeting.rules import RULE_TAG_PREFIX

# A validator message may start with the sub-path it is about ("target: required …").
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_LEADING_PATH = re.compile(rf"^((?:{_NAME}|\[\d+\])(?:\.{_NAME}|\[\d+\])*): ")
_PREFIXES = ("Value error, ", "Assertion failed, ")


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation problem: a dotted path into the guide file (``""`` = top) and why."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class GuideFileError(ValueError):
    """A guide file (or several) failed to parse or validate; ``problems`` lists each one."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


def join_path(parts: tuple[int | str, ...] | list[int | str]) -> str:
    """``("steps", 2, "target")`` → ``steps[2].target``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and part.startswith(RULE_TAG_PREFIX):
            continue  # the rule union's member tag, not a key of the file
        else:
            out += f".{part}" if out else str(part)
    return out


def _append(base: str, sub: str) -> str:
    if not base:
        return sub
    return base + sub if sub.startswith("[") else f"{base}.{sub}"


def problems_from_validation_error(exc: ValidationError) -> list[Problem]:
    """Flatten a pydantic error into problems; multi-line messages become several problems."""
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for error in exc.errors(include_url=False):
        base = join_path(list(error["loc"]))
        msg = error["msg"]
        for prefix in _PREFIXES:
            if msg.startswith(prefix):
                msg = msg[len(prefix) :]
        if error["type"] == "extra_forbidden":
            msg = "unknown key"
        elif error["type"] == "missing":
            msg = "required"
        elif error["type"] == "literal_error":
            expected = (error.get("ctx") or {}).get("expected", "")
            msg = f"{error['input']!r} is not one of {expected}"
        for line in msg.splitlines() or [""]:
            path = base
            match = _LEADING_PATH.match(line)
            if match:
                path = _append(base, match.group(1))
                line = line[match.end() :]
            if (path, line) not in seen:
                seen.add((path, line))
                problems.append(Problem(path, line))
    return problems
