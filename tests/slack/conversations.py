"""Slack's rules for channels, DMs and messages, as a part of `SlackStandIn`.

Which conversations the bot can see and post to, how a `channel` argument resolves, what
a message may contain, and how messages are stored and edited. The underscored helpers run
with the stand-in's lock held (the Web API handlers and response_url posts take it).
"""

from __future__ import annotations

from tests.slack.blockkit import MAX_MESSAGE_TEXT_LENGTH, message_errors
from tests.slack.errors import ApiError
from tests.slack.records import Json, StandInRecords


class ConversationsMixin(StandInRecords):
    """Conversation objects, access rules and bot messages of the stand-in."""

    def channel_info(self, channel_id: str) -> Json | None:
        """The conversation object conversations.info returns, ignoring access rules."""
        with self._lock:
            if channel_id.startswith("D"):
                return self._im_object(channel_id)
            channel = self._channels.get(channel_id)
            return self._channel_object(channel) if channel else None

    # ---- helpers used by the conversations.* and chat.* method handlers (lock held) ---

    def _im_object(self, channel_id: str) -> Json:
        return {
            "id": channel_id,
            "is_im": True,
            "is_channel": False,
            "is_group": False,
            "is_private": True,
            "is_member": True,
            "user": channel_id[1:],
            "created": 1700000000,
        }

    def _channel_object(self, channel: Json) -> Json:
        is_member = self._bot_of(channel) in channel["members"]
        return {
            "id": channel["id"],
            "name": channel["name"],
            "name_normalized": channel["name"],
            "is_channel": not channel["is_private"],
            "is_group": channel["is_private"],
            "is_im": False,
            "is_mpim": False,
            "is_private": channel["is_private"],
            "is_archived": False,
            "is_general": False,
            "is_member": is_member,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "created": 1700000000,
            "context_team_id": channel["team_id"],
        }

    def _bot_of(self, channel: Json) -> str:
        return self.workspaces[channel["team_id"]].bot_user_id

    def _visible_channel(self, channel_id: str) -> Json:
        channel = self._channels.get(channel_id)
        # Slack hides private channels the bot is not in, and other workspaces' channels:
        # they look nonexistent.
        if (
            channel is None
            or self._foreign(channel["team_id"])
            or (channel["is_private"] and self._bot_of(channel) not in channel["members"])
        ):
            raise ApiError("channel_not_found")
        return channel

    def _postable_channel(self, channel: str) -> str:
        """Resolve a chat.* `channel` argument the way Slack does, or raise its error."""
        if channel.startswith("D"):
            user = self._users.get(channel[1:])
            if user is not None and self._foreign(user["team_id"]):
                raise ApiError("channel_not_found")  # a DM in another workspace
            return channel
        if channel[:1] in ("U", "W"):
            # Posting to a user ID lands in the app's DM with that user.
            self._dm_target(channel)
            return "D" + channel
        by_name = {c["name"]: cid for cid, c in self._channels.items()}
        channel_id = by_name.get(channel.lstrip("#"), channel)
        found = self._visible_channel(channel_id)
        if self.bot_user_id not in found["members"]:
            raise ApiError("not_in_channel")
        return channel_id

    def _dm_target(self, user_id: str) -> Json:
        user = self._users.get(user_id)
        if user is None or self._foreign(user["team_id"]):
            raise ApiError("user_not_found")
        if user["deleted"]:
            raise ApiError("user_disabled")
        if user["is_bot"]:
            raise ApiError("cannot_dm_bot")
        return user

    def _check_message_content(self, method: str, args: Json, *, update: bool = False) -> None:
        if not update and not any(args.get(key) for key in ("text", "blocks", "attachments")):
            raise ApiError("no_text")
        if len(str(args.get("text") or "")) > MAX_MESSAGE_TEXT_LENGTH:
            raise ApiError("msg_too_long")
        if "blocks" in args:
            errors = message_errors(args["blocks"])
            if errors:
                raise ApiError(
                    "invalid_blocks", errors=errors, response_metadata={"messages": errors}
                )
            if not args.get("text"):
                self._warn(method, "missing_text_in_blocks", channel=args.get("channel"))

    def _store_bot_message(self, channel: str, args: Json) -> Json:
        message: Json = {
            "type": "message",
            "channel": channel,
            "ts": self._next_ts(),
            "text": args.get("text") or "",
            "blocks": args.get("blocks") or [],
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
        }
        if args.get("attachments"):
            message["attachments"] = args["attachments"]
        if args.get("thread_ts"):
            message["thread_ts"] = str(args["thread_ts"])
        self.messages[(channel, message["ts"])] = message
        return message

    def _replace_content(self, message: Json, args: Json) -> None:
        # chat.update keeps fields that are absent from the call (Slack docs).
        for key in ("text", "blocks", "attachments"):
            if key in args:
                message[key] = args[key]
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}

    # ---- what a post to a response_url does (lock held) ------------------------------

    def _apply_response_url_post(self, url: str, body: Json) -> None:
        channel, message_ts = self._response_urls[url]
        key = (channel or "", message_ts or "")
        if body.get("delete_original") and key in self.messages:
            del self.messages[key]
        elif body.get("replace_original") and key in self.messages:
            self._replace_content(self.messages[key], body)
        elif body.get("response_type") == "in_channel" and channel:
            self._store_bot_message(channel, body)
