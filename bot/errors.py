"""Typed errors a user can act on. They are rendered in one place: handlers/responses.py."""

from __future__ import annotations


class PanelbotError(Exception):
    """Something the user should be told, in words they understand."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(PanelbotError):
    """Form input a person can fix: field (block id) → message, shown inline in the modal."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class NotAllowed(PanelbotError):
    """The user may not do this (not a panelist, not the organizer, not in the channel)."""


class NotFound(PanelbotError):
    """No such round in this workspace: deleted, forged, or another team's id."""

    def __init__(self, message: str = "That round doesn't exist any more.") -> None:
        super().__init__(message)


class InvalidCommand(PanelbotError):
    """A slash command's words don't parse; the message says what would."""


class RoundNotOpen(PanelbotError):
    """The round has moved on (closed or cancelled) and can't take this change."""


class SlackUnavailable(PanelbotError):
    """Slack was too slow, or down, for what had to be asked before answering the person.
    Nothing was changed; in a modal the form stays open with this message on it."""

    def __init__(self) -> None:
        super().__init__(
            "Slack is slow to answer right now, so Panelbot couldn't check this yet. "
            "Nothing was saved: please submit again in a moment."
        )
