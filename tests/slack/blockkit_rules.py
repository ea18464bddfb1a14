"""The Block Kit rules Slack's servers enforce across fields and objects, which slack_sdk's
models (each checking one object's own fields) leave unchecked.

`rule_errors` takes one message's or one view's `blocks` and returns Slack-style messages
("what is wrong [json-pointer:/where]"); any one of them makes Slack refuse the whole
message (`invalid_blocks`) or view (`invalid_arguments`), however valid each object is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Json = dict[str, Any]

TEXT_INPUT_MAX = 3000  # plain_text_input max_length: 1..3000
CHOICES_MAX = 10  # options of radio_buttons and checkboxes
OPTION_DESCRIPTION_MAX = 75
TABLE_ROWS_MAX = 100
TABLE_CELLS_MAX = 20
TABLE_COLUMN_SETTINGS_MAX = 20
# Elements whose initial_option(s) must be one of their own options.
STATIC_CHOICES = ("static_select", "multi_static_select", "radio_buttons", "checkboxes")


def rule_errors(blocks: list[object], pointer: str) -> list[str]:
    return [
        *_duplicate_block_ids(blocks, pointer),
        *_duplicate_action_ids(blocks, pointer),
        *(
            error
            for node, where in _objects(blocks, pointer)
            for error in _element_errors(node, where)
        ),
        *_table_errors(blocks, pointer),
    ]


def _objects(node: object, pointer: str) -> Iterator[tuple[Json, str]]:
    """Every JSON object inside `node` (itself included), with its pointer."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _objects(item, f"{pointer}/{index}")
    elif isinstance(node, dict):
        yield node, pointer
        for key, value in node.items():
            yield from _objects(value, f"{pointer}/{key}")


# ---- ids: a block_id once a message or view, an action_id once a block -------------------
def _duplicate_block_ids(blocks: list[object], pointer: str) -> Iterator[str]:
    seen: set[object] = set()
    for index, block in enumerate(blocks):
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if block_id is None:
            continue
        if block_id in seen:
            yield f"duplicate block_id: {block_id} [json-pointer:{pointer}/{index}/block_id]"
        seen.add(block_id)


def _duplicate_action_ids(blocks: list[object], pointer: str) -> Iterator[str]:
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        seen: set[object] = set()
        for where, element in _elements_of(block):
            action_id = element.get("action_id")
            if action_id is None:  # Slack makes one up
                continue
            if action_id in seen:
                yield (
                    f"duplicate action_id: {action_id} "
                    f"[json-pointer:{pointer}/{index}{where}/action_id]"
                )
            seen.add(action_id)


def _elements_of(block: Json) -> Iterator[tuple[str, Json]]:
    for key in ("element", "accessory"):
        if isinstance(block.get(key), dict):
            yield f"/{key}", block[key]
    elements = block.get("elements")
    if isinstance(elements, list):
        for index, element in enumerate(elements):
            if isinstance(element, dict):
                yield f"/elements/{index}", element


# ---- elements: text bounds, initial values, options ---------------------------------------
def _element_errors(node: Json, pointer: str) -> list[str]:
    kind = node.get("type")
    errors = _option_description_errors(node, pointer)
    if kind == "plain_text_input":
        errors += _text_input_errors(node, pointer)
    if kind in STATIC_CHOICES:
        errors += _initial_option_errors(node, pointer)
    if kind in ("radio_buttons", "checkboxes"):
        options = node.get("options")
        if isinstance(options, list) and len(options) > CHOICES_MAX:
            errors.append(
                f"no more than {CHOICES_MAX} items allowed [json-pointer:{pointer}/options]"
            )
    return errors


def _text_input_errors(element: Json, pointer: str) -> list[str]:
    max_length = element.get("max_length", TEXT_INPUT_MAX)
    min_length = element.get("min_length", 0)
    if not isinstance(max_length, int) or not 1 <= max_length <= TEXT_INPUT_MAX:
        return [
            f"max_length must be between 1 and {TEXT_INPUT_MAX} [json-pointer:{pointer}/max_length]"
        ]
    if not isinstance(min_length, int) or not 0 <= min_length <= max_length:
        return [f"min_length must be between 0 and max_length [json-pointer:{pointer}/min_length]"]
    initial = element.get("initial_value")
    if isinstance(initial, str) and len(initial) > max_length:
        return [
            f"initial_value must be no longer than max_length ({max_length}) "
            f"[json-pointer:{pointer}/initial_value]"
        ]
    return []


def _choices(element: Json) -> list[object]:
    options = element.get("options")
    if isinstance(options, list):
        return options
    groups = element.get("option_groups")
    if not isinstance(groups, list):
        return []
    return [o for g in groups if isinstance(g, dict) for o in g.get("options") or []]


def _initial_option_errors(element: Json, pointer: str) -> list[str]:
    choices = _choices(element)
    errors = []
    if "initial_option" in element and element["initial_option"] not in choices:
        errors.append(
            f"initial_option must match one of the options [json-pointer:{pointer}/initial_option]"
        )
    initial = element.get("initial_options")
    for index, option in enumerate(initial if isinstance(initial, list) else []):
        if option not in choices:
            errors.append(
                "initial_options must match the options "
                f"[json-pointer:{pointer}/initial_options/{index}]"
            )
    return errors


def _option_description_errors(node: Json, pointer: str) -> list[str]:
    """An option's description (slack_sdk checks its text and value, not this)."""
    errors = []
    for key in ("options", "initial_options"):
        options = node.get(key)
        for index, option in enumerate(options if isinstance(options, list) else []):
            description = option.get("description") if isinstance(option, dict) else None
            text = description.get("text") if isinstance(description, dict) else None
            if isinstance(text, str) and len(text) > OPTION_DESCRIPTION_MAX:
                errors.append(
                    f"must be less than {OPTION_DESCRIPTION_MAX + 1} characters "
                    f"[json-pointer:{pointer}/{key}/{index}/description/text]"
                )
    return errors


# ---- tables: one a message, 100 rows of 20 cells, 20 column settings ----------------------
def _table_errors(blocks: list[object], pointer: str) -> list[str]:
    errors: list[str] = []
    tables = [
        (i, b) for i, b in enumerate(blocks) if isinstance(b, dict) and b.get("type") == "table"
    ]
    if len(tables) > 1:
        errors.append(f"only one table is allowed per message [json-pointer:{pointer}]")
    for index, table in tables:
        at = f"{pointer}/{index}"
        rows = table.get("rows") or []
        if len(rows) > TABLE_ROWS_MAX:
            errors.append(f"no more than {TABLE_ROWS_MAX} items allowed [json-pointer:{at}/rows]")
        for r, row in enumerate(rows):
            if isinstance(row, list) and len(row) > TABLE_CELLS_MAX:
                errors.append(
                    f"no more than {TABLE_CELLS_MAX} items allowed [json-pointer:{at}/rows/{r}]"
                )
        settings = table.get("column_settings") or []
        if len(settings) > TABLE_COLUMN_SETTINGS_MAX:
            errors.append(
                f"no more than {TABLE_COLUMN_SETTINGS_MAX} items allowed "
                f"[json-pointer:{at}/column_settings]"
            )
    return errors
