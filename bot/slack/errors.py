"""The error codes in Slack's answers that Panelbot acts on (`{"ok": false, "error": …}`),
and the groups that decide what it does. Any other code is an answer that won't change.
A leaf like bot/errors.py and bot/text.py: every layer may read it, it imports nothing."""

from __future__ import annotations

from enum import StrEnum


class SlackError(StrEnum):
    # Try again later.
    RATELIMITED = "ratelimited"
    INTERNAL_ERROR = "internal_error"
    FATAL_ERROR = "fatal_error"
    SERVICE_UNAVAILABLE = "service_unavailable"
    REQUEST_TIMEOUT = "request_timeout"
    # The token, not the request: uninstalled, revoked, expired (rotation) or mistyped.
    INVALID_AUTH = "invalid_auth"
    NOT_AUTHED = "not_authed"
    TOKEN_REVOKED = "token_revoked"
    TOKEN_EXPIRED = "token_expired"
    ACCOUNT_INACTIVE = "account_inactive"  # for a bot token: the app is gone
    # Where a message goes.
    CHANNEL_NOT_FOUND = "channel_not_found"
    NOT_IN_CHANNEL = "not_in_channel"
    IS_ARCHIVED = "is_archived"
    USER_NOT_FOUND = "user_not_found"
    USER_DISABLED = "user_disabled"
    CANNOT_DM_BOT = "cannot_dm_bot"
    # The message itself.
    MESSAGE_NOT_FOUND = "message_not_found"
    CANT_UPDATE_MESSAGE = "cant_update_message"
    # Opening or updating a modal (handlers/responses.py): the person already sees the
    # answer (a replay), or the trigger is gone.
    EXCHANGED_TRIGGER_ID = "exchanged_trigger_id"
    HASH_CONFLICT = "hash_conflict"
    EXPIRED_TRIGGER_ID = "expired_trigger_id"
    INVALID_TRIGGER_ID = "invalid_trigger_id"
    NOT_FOUND = "not_found"  # views.update: the modal was closed meanwhile


# Answers to retry rather than to refuse on.
TRY_LATER_ERRORS = frozenset(
    {
        SlackError.RATELIMITED,
        SlackError.INTERNAL_ERROR,
        SlackError.FATAL_ERROR,
        SlackError.SERVICE_UNAVAILABLE,
        SlackError.REQUEST_TIMEOUT,
    }
)
# Slack refusing the token itself, not the message.
TOKEN_ERRORS = frozenset(
    {
        SlackError.INVALID_AUTH,
        SlackError.NOT_AUTHED,
        SlackError.TOKEN_REVOKED,
        SlackError.TOKEN_EXPIRED,
    }
)
