"""YAML dialect of guide files: safe, YAML-1.2-like scalars, deterministic block output.

PyYAML follows YAML 1.1, where ``on``, ``no``, ``yes`` and ``off`` are booleans and
``2026-12-01`` is a date. Guide files use ``on:`` as a key (``trigger.on``) and ``no`` is a
language code, so the loader only treats ``true``/``false`` as booleans and keeps dates as
strings (the model validates and normalises them).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_BOOL_TAG = "tag:yaml.org,2002:bool"
_DROPPED_TAGS = {_BOOL_TAG, "tag:yaml.org,2002:timestamp"}
#: Words YAML 1.1 tools read as booleans: always quoted as values, for other tools' sake.
_YAML11_BOOL_WORDS = frozenset("y n yes no on off true false".split())


def _resolvers() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    table: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
    for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items():
        kept = [(tag, rx) for tag, rx in entries if tag not in _DROPPED_TAGS]
        if kept:
            table[first] = kept
    bool_rx = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
    for first in "tTfF":
        table.setdefault(first, []).insert(0, (_BOOL_TAG, bool_rx))
    return table


class GuideLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with YAML-1.2-style booleans and dates kept as strings."""

    yaml_implicit_resolvers = _resolvers()


def _construct_mapping(loader: GuideLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    # Duplicate keys silently overwrite in PyYAML; in a reviewed file they are a mistake.
    loader.flatten_mapping(node)
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
    return result


GuideLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class GuideDumper(yaml.SafeDumper):
    """Block style, no aliases, literal blocks for multi-line strings."""

    yaml_implicit_resolvers = _resolvers()

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key ("steps:\n  - kind: modal"), as people write it.
        super().increase_indent(flow, False)


# Characters YAML treats as line breaks or cannot print: only double quotes keep them exact.
_NEEDS_ESCAPES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\r]")


def _represent_str(dumper: GuideDumper, data: str) -> yaml.ScalarNode:
    if _NEEDS_ESCAPES.search(data):
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    if data.lower() in _YAML11_BOOL_WORDS:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="'")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


def _represent_dict(dumper: GuideDumper, data: dict[Any, Any]) -> yaml.MappingNode:
    items: list[tuple[yaml.Node, yaml.Node]] = []
    for key, value in data.items():
        if isinstance(key, str) and "\n" not in key:
            key_node: yaml.Node = yaml.ScalarNode("tag:yaml.org,2002:str", key)  # plain if it can
        else:
            key_node = dumper.represent_data(key)
        items.append((key_node, dumper.represent_data(value)))
    return yaml.MappingNode("tag:yaml.org,2002:map", items, flow_style=False)


GuideDumper.add_representer(str, _represent_str)
GuideDumper.add_representer(dict, _represent_dict)


def load_yaml(text: str) -> Any:
    """Parse one YAML document in the guide dialect (raises ``yaml.YAMLError``)."""
    return yaml.load(text, Loader=GuideLoader)  # noqa: S506 — GuideLoader is a SafeLoader


def dump_yaml(data: Any) -> str:
    """Serialise plain data (dicts in insertion order) to deterministic block YAML."""
    return yaml.dump(
        data,
        Dumper=GuideDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
        indent=2,
    )
