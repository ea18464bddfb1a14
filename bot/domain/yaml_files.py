"""YAML files the admin exports, edits and imports (rubrics, evidence rules). No Slack.

One loader for all of them: safe, refusing a key given twice (PyYAML silently keeps the
last one), and saying where a malformed file went wrong; one dumper writing multi-line
text as literal blocks, one line a field.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, ScalarNode


class DataFileError(ValueError):
    """The file can't be imported; `problems` lists every problem found, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class _Dumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # Multi-line text reads best as literal blocks; PyYAML falls back to quoting when a
    # block can't hold the text exactly.
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_document(data: object) -> str:
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=4096,  # one line a field: easier to edit than folded lines
    )


class _Loader(yaml.SafeLoader):
    """safe_load that refuses a key given twice."""


def _construct_map(loader: yaml.SafeLoader, node: MappingNode) -> Iterator[dict[Hashable, Any]]:
    data: dict[Hashable, Any] = {}
    yield data
    seen: set[object] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node, ScalarNode):
            continue
        key = loader.construct_object(key_node)
        if key in seen:
            raise ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"found the key {key!r} twice",
                key_node.start_mark,
            )
        seen.add(key)
    data.update(loader.construct_mapping(node))


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)


def load_document(text: str, max_chars: int) -> object:
    """The parsed document; DataFileError when it is too long or not valid YAML."""
    if len(text) > max_chars:
        raise DataFileError([f"The file is too long; keep it under {max_chars} characters."])
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise DataFileError([_yaml_problem(exc)]) from None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc)
    return f"The file is not valid YAML{where}: {problem}."


def unknown_keys(where: str, entry: dict[Any, Any], known: tuple[str, ...]) -> list[str]:
    unknown = [repr(k) for k in entry if k not in known]
    if not unknown:
        return []
    expected = ", ".join(known)
    return [f"{where}: unknown {', '.join(unknown)} (expected {expected})."]
