"""Block Kit building blocks shared by every view. Built with slack_sdk.models so Slack's
limits are checked when a view is rendered (to_dict validates)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.codec import encode_metadata
from bot.domain.message import Message
from bot.text import truncate
from bot.views import ids

MESSAGE_BLOCKS_MAX = 50
MODAL_BLOCKS_MAX = 100
SECTION_TEXT_MAX = 3000
HEADER_MAX = 150
MODAL_TITLE_MAX = 24
INPUT_LABEL_MAX = 2000


def message(text: str, blocks: Sequence[Block | dict[str, Any]]) -> Message:
    """Blocks given as dicts are already Block Kit (`kept`): only the objects go through
    slack_sdk's to_dict."""
    if len(blocks) > MESSAGE_BLOCKS_MAX:  # slack_sdk does not check this one
        raise ValueError(f"{len(blocks)} blocks; Slack allows {MESSAGE_BLOCKS_MAX} in a message")
    return Message(text=text, blocks=[b.to_dict() if isinstance(b, Block) else b for b in blocks])


def kept(block: Block) -> str:
    """A block as the Block Kit JSON slack_sdk renders (and checks) from it, for a part of a
    view that is the same every time it is drawn and so is built once: each view then
    gets a dict of its own (json.loads) for a few microseconds instead of to_dict's tens
    or hundreds (docs/performance.md)."""
    return json.dumps(block.to_dict())


def modal(
    callback_id: str,
    title: str,
    blocks: Sequence[Block | dict[str, Any]],
    *,
    submit: str | None = None,
    close: str = "Cancel",
    metadata: BaseModel | None = None,
) -> dict[str, Any]:
    if len(blocks) > MODAL_BLOCKS_MAX:
        raise ValueError(f"{len(blocks)} blocks; Slack allows {MODAL_BLOCKS_MAX} in a modal")
    # Blocks given as dicts are already Block Kit (built once, kept serialized); only the
    # objects go through slack_sdk's to_dict, and the dicts are put back in their places.
    objects = [b for b in blocks if isinstance(b, Block)]
    view = View(
        type="modal",
        callback_id=callback_id,
        title=truncate(title, MODAL_TITLE_MAX),
        submit=submit,
        close=close,
        blocks=objects,
        private_metadata=encode_metadata(metadata) if metadata else None,
    )
    result: dict[str, Any] = view.to_dict()
    if len(objects) < len(blocks):
        built = iter(result["blocks"])
        result["blocks"] = [next(built) if isinstance(b, Block) else b for b in blocks]
    return result


def md(text: str, **kwargs: Any) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, SECTION_TEXT_MAX)), **kwargs)


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=truncate(text, HEADER_MAX))


def context(*texts: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(t, 2000)) for t in texts])


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=text, action_id=action_id, value=value, style=style)


def actions(*buttons: ButtonElement, block_id: str | None = None) -> ActionsBlock:
    return ActionsBlock(elements=list(buttons), block_id=block_id)


def notice_modal(title: str, text: str) -> dict[str, Any]:
    """A modal that only tells something (a refusal, an error with its id, a confirmation)."""
    return modal(ids.NOTICE, title, [md(text)], close="Close")


def pack_sections(title: str, texts: list[str], tail: str | None = None) -> list[str]:
    """The title, the texts and the tail, one per line, greedily packed into section texts of
    at most SECTION_TEXT_MAX; each text must already fit in one."""
    chunks: list[str] = []
    current = title
    for text in [*texts, *([tail] if tail is not None else [])]:
        if current and len(current) + 1 + len(text) > SECTION_TEXT_MAX:
            chunks.append(current)
            current = text
        else:
            current = f"{current}\n{text}" if current else text
    if current:
        chunks.append(current)
    return chunks


def bullet_list(items: list[str]) -> str:
    return "\n".join(f"• {item}" for item in items)


def text_input(
    block_id: str,
    label: str,
    max_length: int,
    *,
    initial: str | None = None,
    optional: bool = False,
    multiline: bool = False,
    hint: str | None = None,
    placeholder: str | None = None,
) -> InputBlock:
    """A plain_text_input whose max_length keeps the text inside what we store and show."""
    return InputBlock(
        block_id=block_id,
        label=truncate(label, INPUT_LABEL_MAX),
        optional=optional,
        hint=hint,
        element=PlainTextInputElement(
            action_id="value",
            multiline=multiline,
            max_length=max_length,
            initial_value=initial or None,
            placeholder=placeholder,
        ),
    )
