"""Block Kit validation the way Slack's servers do it, as pure functions.

The stand-in checks every message and view the bot sends with these; tests can also call
them directly. `slack_sdk.models` checks most of the schema; the limits below are the ones
it leaves unchecked, or checks only in part.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from tests.slack.blockkit_rules import rule_errors

Json = dict[str, Any]

# Limits Slack enforces server-side that slack_sdk's models do not (or not all) check; the
# rules that span fields or objects are in blockkit_rules.
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_VIEW_LABEL_LENGTH = 24
MAX_PRIVATE_METADATA_LENGTH = 3000
MAX_VIEW_JSON_BYTES = 250_000
MAX_MESSAGE_TEXT_LENGTH = 40_000


def block_errors(blocks: object, *, limit: int, pointer: str = "/blocks") -> list[str]:
    """Errors Slack would report for a `blocks` array; empty if it is acceptable."""
    if not isinstance(blocks, list):
        return [f"must be an array [json-pointer:{pointer}]"]
    errors: list[str] = []
    if len(blocks) > limit:
        errors.append(f"no more than {limit} items allowed [json-pointer:{pointer}]")
    for index, raw in enumerate(blocks):
        errors.extend(_one_block_errors(raw, f"{pointer}/{index}"))
    errors.extend(rule_errors(blocks, pointer))
    return errors


def message_errors(blocks: object) -> list[str]:
    """What Slack reports (`invalid_blocks`) for a message's blocks: chat.postMessage,
    chat.update, chat.postEphemeral and a response_url post."""
    return block_errors(blocks, limit=MAX_MESSAGE_BLOCKS)


def _one_block_errors(raw: object, pointer: str) -> list[str]:
    if not isinstance(raw, dict) or "type" not in raw:
        return [f"missing required field: type [json-pointer:{pointer}]"]
    try:
        block = Block.parse(raw)
        if block is None:
            return [f"unsupported type: {raw['type']} [json-pointer:{pointer}/type]"]
        # to_dict() runs validate_json() on the block *and* on every nested object,
        # whereas validate_json() alone only checks the block's own fields.
        block.to_dict()
    except SlackObjectFormationError as exc:
        return [f"{exc} [json-pointer:{pointer}]"]
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        # slack_sdk's constructors raise these for missing or malformed fields.
        return [f"malformed block: {exc} [json-pointer:{pointer}]"]
    return _unknown_element_errors(raw, block, pointer)


def _unknown_element_errors(raw: Json, block: Block, pointer: str) -> list[str]:
    # slack_sdk silently turns unknown element types into None; Slack rejects them.
    errors: list[str] = []
    for key in ("element", "accessory"):
        if raw.get(key) is not None and getattr(block, key, None) is None:
            errors.append(f"unsupported element type [json-pointer:{pointer}/{key}]")
    elements = getattr(block, "elements", None)
    if isinstance(elements, list):
        for index, element in enumerate(elements):
            if element is None:
                errors.append(f"unsupported element type [json-pointer:{pointer}/elements/{index}]")
    return errors


def view_errors(view: object) -> list[str]:
    """Errors Slack would report (as response_metadata.messages) for a view object."""
    if not isinstance(view, dict):
        return ["[ERROR] view must be a JSON object [json-pointer:/view]"]
    errors = _view_shape_errors(view)
    try:
        View(**view).validate_json()
    except SlackObjectFormationError as exc:
        errors.append(f"[ERROR] {exc} [json-pointer:/view]")
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        errors.append(f"[ERROR] malformed view: {exc} [json-pointer:/view]")
    blocks = view.get("blocks")
    if blocks is None:
        errors.append("[ERROR] missing required field: blocks [json-pointer:/view/blocks]")
    else:
        found = block_errors(blocks, limit=MAX_VIEW_BLOCKS, pointer="/view/blocks")
        errors.extend(f"[ERROR] {error}" for error in found)
    return errors


def _view_shape_errors(view: Json) -> list[str]:
    errors: list[str] = []
    if len(json.dumps(view).encode()) > MAX_VIEW_JSON_BYTES:
        errors.append(f"[ERROR] view exceeds {MAX_VIEW_JSON_BYTES} bytes [json-pointer:/view]")
    if view.get("type") not in ("modal", "home"):
        errors.append("[ERROR] type must be modal or home [json-pointer:/view/type]")
    if view.get("type") == "modal" and not view.get("title"):
        errors.append("[ERROR] missing required field: title [json-pointer:/view/title]")
    for key in ("title", "submit", "close"):
        text = (view.get(key) or {}).get("text", "")
        if len(text) > MAX_VIEW_LABEL_LENGTH:
            errors.append(
                f"[ERROR] must be less than {MAX_VIEW_LABEL_LENGTH + 1} characters "
                f"[json-pointer:/view/{key}/text]"
            )
    if len(view.get("private_metadata") or "") > MAX_PRIVATE_METADATA_LENGTH:
        errors.append(
            f"[ERROR] must be less than {MAX_PRIVATE_METADATA_LENGTH + 1} characters "
            "[json-pointer:/view/private_metadata]"
        )
    if _has_input_block(view) and view.get("type") == "modal" and not view.get("submit"):
        errors.append(
            "[ERROR] must provide a submit property when an input block is present "
            "[json-pointer:/view/submit]"
        )
    return errors


def _has_input_block(view: Json) -> bool:
    blocks = view.get("blocks")
    return isinstance(blocks, list) and any(
        isinstance(block, dict) and block.get("type") == "input" for block in blocks
    )
