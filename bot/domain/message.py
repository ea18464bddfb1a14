"""A rendered Slack message as plain data, which services queue and send and views build
(bot/views/common.py's `message()` makes one from Block Kit blocks), and the one Slack list
limit a use case plans around. No Slack import: the blocks are already dicts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Slack's limit for a static select's options: a role picker shows at most this many, and
# the search asks for one more to know when the list is cut.
PICKER_MAX = 100


@dataclass(frozen=True)
class Message:
    """A rendered message: fallback text (notifications, screen readers) and blocks."""

    text: str
    blocks: list[dict[str, Any]]
