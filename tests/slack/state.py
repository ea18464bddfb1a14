"""`view.state.values` as Slack sends it with a modal's interactions.

`V` builds one element's state; `full_state_values` completes the states a test gives into
what Slack would send for the whole view, and refuses states Slack's client never sends.
"""

from __future__ import annotations

import copy
from typing import Any

Json = dict[str, Any]


def plain_text(text: str) -> Json:
    """A plain_text object as Slack's client fills it in."""
    return {"type": "plain_text", "text": text, "emoji": True}


class V:
    """Element states as Slack sends them in `view.state.values[block_id][action_id]`."""

    @staticmethod
    def text(value: str | None) -> Json:
        return {"type": "plain_text_input", "value": value}

    @staticmethod
    def number(value: str | None) -> Json:
        return {"type": "number_input", "value": value}

    @staticmethod
    def users(user_ids: list[str]) -> Json:
        return {"type": "multi_users_select", "selected_users": list(user_ids)}

    @staticmethod
    def user(user_id: str | None) -> Json:
        return {"type": "users_select", "selected_user": user_id}

    @staticmethod
    def conversation(channel_id: str | None) -> Json:
        return {"type": "conversations_select", "selected_conversation": channel_id}

    @staticmethod
    def conversations(channel_ids: list[str]) -> Json:
        return {
            "type": "multi_conversations_select",
            "selected_conversations": list(channel_ids),
        }

    @staticmethod
    def option_object(value: str, text: str = "x") -> Json:
        return {"text": plain_text(text), "value": value}

    @staticmethod
    def option(value: str, text: str = "x") -> Json:
        return {"type": "static_select", "selected_option": V.option_object(value, text)}

    @staticmethod
    def options(values: list[str]) -> Json:
        return {
            "type": "multi_static_select",
            "selected_options": [V.option_object(value) for value in values],
        }

    @staticmethod
    def radio(value: str, text: str = "x") -> Json:
        return {"type": "radio_buttons", "selected_option": V.option_object(value, text)}

    @staticmethod
    def checkboxes(values: list[str]) -> Json:
        return {
            "type": "checkboxes",
            "selected_options": [V.option_object(value) for value in values],
        }

    @staticmethod
    def date(value: str | None) -> Json:
        """`value` is "YYYY-MM-DD"."""
        return {"type": "datepicker", "selected_date": value}

    @staticmethod
    def time(value: str | None) -> Json:
        """`value` is "HH:MM"."""
        return {"type": "timepicker", "selected_time": value}

    @staticmethod
    def datetime(epoch: int | None) -> Json:
        return {"type": "datetimepicker", "selected_date_time": epoch}


# Per element type: the state key Slack fills in, the element field holding its
# initial value, and the state an untouched empty element has.
_STATE_KEYS: dict[str, tuple[str, str, Any]] = {
    "plain_text_input": ("value", "initial_value", None),
    "number_input": ("value", "initial_value", None),
    "email_text_input": ("value", "initial_value", None),
    "url_text_input": ("value", "initial_value", None),
    "users_select": ("selected_user", "initial_user", None),
    "multi_users_select": ("selected_users", "initial_users", []),
    "conversations_select": ("selected_conversation", "initial_conversation", None),
    "multi_conversations_select": ("selected_conversations", "initial_conversations", []),
    "channels_select": ("selected_channel", "initial_channel", None),
    "multi_channels_select": ("selected_channels", "initial_channels", []),
    "static_select": ("selected_option", "initial_option", None),
    "external_select": ("selected_option", "initial_option", None),
    "multi_static_select": ("selected_options", "initial_options", []),
    "radio_buttons": ("selected_option", "initial_option", None),
    "checkboxes": ("selected_options", "initial_options", []),
    "datepicker": ("selected_date", "initial_date", None),
    "timepicker": ("selected_time", "initial_time", None),
    "datetimepicker": ("selected_date_time", "initial_date_time", None),
}


def _input_elements(blocks: list[Json]) -> dict[str, tuple[Json, Json]]:
    """block_id -> (input block, its element) for every input block of a view."""
    return {
        str(block.get("block_id")): (block, block["element"])
        for block in blocks
        if block.get("type") == "input" and isinstance(block.get("element"), dict)
    }


def _untouched_state(element: Json) -> Json:
    state_key, initial_key, empty = _STATE_KEYS.get(
        element["type"], ("value", "initial_value", None)
    )
    return {"type": element["type"], state_key: copy.deepcopy(element.get(initial_key, empty))}


def _is_empty(state: Json) -> bool:
    return all(value in (None, "", []) for key, value in state.items() if key != "type")


def full_state_values(blocks: list[Json], values: dict[str, dict[str, Json]]) -> Json:
    """What Slack sends as state.values: every input, given values over initial ones.

    Raises ValueError for states Slack's client would never produce, so a test that
    drifts from the bot's modal fails loudly instead of passing by accident.
    """
    inputs = _input_elements(blocks)
    result: Json = {}
    for block_id, (block, element) in inputs.items():
        given = values.get(block_id, {})
        action_id = str(element.get("action_id"))
        _check_given(block_id, action_id, element, given)
        state = given.get(action_id) or _untouched_state(element)
        if not block.get("optional", False) and _is_empty(state):
            raise ValueError(f"input {block_id!r} is required; Slack would block the submit")
        _check_text_length(block_id, element, state)
        result[block_id] = {action_id: copy.deepcopy(state)}
    unknown = set(values) - set(inputs)
    if unknown:
        raise ValueError(f"no input blocks {sorted(unknown)} in the view; it has {sorted(inputs)}")
    return result


def _check_given(block_id: str, action_id: str, element: Json, given: dict[str, Json]) -> None:
    if not given:
        return
    if set(given) != {action_id}:
        raise ValueError(f"input {block_id!r} has action_id {action_id!r}, not {sorted(given)}")
    if given[action_id].get("type") != element["type"]:
        raise ValueError(
            f"input {block_id!r} is a {element['type']}, not a {given[action_id].get('type')}"
        )


def _check_text_length(block_id: str, element: Json, state: Json) -> None:
    if element["type"] != "plain_text_input" or state.get("value") is None:
        return
    length = len(state["value"])
    if not element.get("min_length", 0) <= length <= element.get("max_length", 3000):
        raise ValueError(f"input {block_id!r}: Slack's client refuses {length} characters")
