"""The text people read in what the bot sends: every string in a payload, the strings Slack
parses as mrkdwn (where a mention or a link would ping or mislead), the plain_text ones, and
the check that typed-in control sequences never reach Slack raw."""

from __future__ import annotations

from typing import Any

from bot.domain.message import Message

# What a person may type to ping everyone, someone, or hide a link behind a word.
EVIL = "<!channel> <@U123> <https://evil.example|click> & more"
# EVIL's control sequences as Slack would act on them (escaped, they read &lt;!channel&gt;…);
# "<https://evil" also catches other evil links the tests type.
RAW_SEQUENCES = ("<!channel>", "<@U123>", "<https://evil")


def strings_in(node: object) -> list[str]:
    """Every string anywhere in a payload (dict values, list and tuple items)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings_in(value)]
    if isinstance(node, list | tuple):
        return [s for item in node for s in strings_in(item)]
    return []


def mrkdwn_texts(node: object) -> list[str]:
    """Every string Slack parses as mrkdwn, in document order: a message's own `text`, text
    objects of type mrkdwn, a file's initial comment (plain_text and raw_text never ping; a
    view's `state` is what the user typed, not what the bot shows)."""
    if isinstance(node, Message):
        return [node.text, *_mrkdwn_within(node.blocks)]
    own: list[str] = []
    if isinstance(node, dict) and "type" not in node and isinstance(node.get("text"), str):
        own.append(node["text"])  # chat.postMessage arguments, a response_url body
    return own + _mrkdwn_within(node)


def _mrkdwn_within(node: object) -> list[str]:
    if isinstance(node, list):
        return [t for item in node for t in _mrkdwn_within(item)]
    if not isinstance(node, dict):
        return []
    found: list[str] = []
    if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
        found.append(node["text"])
    if isinstance(node.get("initial_comment"), str):
        found.append(node["initial_comment"])
    for key, value in node.items():
        if isinstance(value, dict | list) and key != "state":
            found += _mrkdwn_within(value)
    return found


def plain_texts(node: object) -> list[str]:
    """Every plain_text string (labels, titles, option texts, headers, buttons)."""
    if isinstance(node, list):
        return [t for item in node for t in plain_texts(item)]
    if not isinstance(node, dict):
        return []
    found: list[str] = []
    if node.get("type") == "plain_text" and isinstance(node.get("text"), str):
        found.append(node["text"])
    for value in node.values():
        if isinstance(value, dict | list):
            found += plain_texts(value)
    return found


def no_raw_mentions(payload: Message | Any) -> None:
    """User text is escaped in mrkdwn: the raw control sequences never reach Slack."""
    texts = mrkdwn_texts(payload)
    assert texts
    for text in texts:
        for raw in RAW_SEQUENCES:
            assert raw not in text, (raw, text)
