"""The Web API methods the stand-in answers, one function per method.

Each handler takes the stand-in (its lock held) and the decoded arguments and returns the
response fields besides "ok", or raises `ApiError`. Handlers are part of the stand-in, so
they use its underscored helpers and state directly.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from typing import TYPE_CHECKING

from tests.slack.errors import ApiError, invalid_arguments
from tests.slack.records import Json

if TYPE_CHECKING:
    # Type-only: the stand-in imports this module's method table at runtime.
    from tests.slack.standin import SlackStandIn

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


def _required(args: Json, *names: str) -> None:
    missing = [name for name in names if args.get(name) in (None, "")]
    if missing:
        raise invalid_arguments([f"[ERROR] missing required field: {name}" for name in missing])


def _api_test(s: SlackStandIn, args: Json) -> Json:
    return {"args": args}


def _auth_test(s: SlackStandIn, args: Json) -> Json:
    return {
        "url": f"https://{s.team_domain}.slack.com/",
        "team": s.acting_workspace.name,
        "user": s._users[s.bot_user_id]["name"],
        "team_id": s.team_id,
        "user_id": s.bot_user_id,
        "bot_id": s.bot_id,
        "is_enterprise_install": False,
    }


def _apps_connections_open(s: SlackStandIn, args: Json) -> Json:
    # Slack hands out a wss:// URL with a one-time ticket (see records.py for which here).
    if s.socket_mode_url:
        return {"url": s.socket_mode_url}
    if s.socket_mode is not None:
        return {"url": s.socket_mode.issue_url()}
    return {"url": "ws" + s.base_url.removeprefix("http") + "/link/"}


def _users_info(s: SlackStandIn, args: Json) -> Json:
    _required(args, "user")
    return {"user": copy.deepcopy(s._user(args["user"]))}


def _conversations_info(s: SlackStandIn, args: Json) -> Json:
    _required(args, "channel")
    channel_id = args["channel"]
    if channel_id.startswith("D"):
        return {"channel": s._im_object(channel_id)}
    return {"channel": s._channel_object(s._visible_channel(channel_id))}


def _conversations_members(s: SlackStandIn, args: Json) -> Json:
    _required(args, "channel")
    members = s._visible_channel(args["channel"])["members"]
    limit = min(max(int(args.get("limit") or DEFAULT_PAGE_SIZE), 1), MAX_PAGE_SIZE)
    start = _decode_cursor(args.get("cursor"))
    end = start + limit
    next_cursor = _encode_cursor(end) if end < len(members) else ""
    return {
        "members": list(members[start:end]),
        "response_metadata": {"next_cursor": next_cursor},
    }


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: object) -> int:
    if not cursor:
        return 0
    try:
        prefix, _, offset = base64.b64decode(str(cursor)).decode().partition(":")
        if prefix == "offset":
            return int(offset)
    except ValueError:
        pass
    raise ApiError("invalid_cursor")


def _conversations_open(s: SlackStandIn, args: Json) -> Json:
    if args.get("channel"):
        return {"channel": {"id": args["channel"]}, "no_op": True, "already_open": True}
    _required(args, "users")
    user_ids = [u.strip() for u in str(args["users"]).split(",") if u.strip()]
    for user_id in user_ids:
        s._dm_target(user_id)
    if len(user_ids) == 1:
        return {"channel": {"id": "D" + user_ids[0]}}
    # Group DMs get one stable id per set of members.
    return {"channel": {"id": "G" + "".join(sorted(user_ids))}}


def _chat_post_message(s: SlackStandIn, args: Json) -> Json:
    _required(args, "channel")
    channel = s._postable_channel(str(args["channel"]))
    s._check_message_content("chat.postMessage", args)
    message = s._store_bot_message(channel, args)
    s._posted_keys.append((channel, message["ts"]))
    return {"channel": channel, "ts": message["ts"], "message": copy.deepcopy(message)}


def _chat_update(s: SlackStandIn, args: Json) -> Json:
    _required(args, "channel", "ts")
    channel = s._postable_channel(str(args["channel"]))
    message = s.messages.get((channel, str(args["ts"])))
    if message is None:
        raise ApiError("message_not_found")
    if message.get("user") != s.bot_user_id:
        raise ApiError("cant_update_message")
    s._check_message_content("chat.update", args, update=True)
    s._replace_content(message, args)
    return {
        "channel": channel,
        "ts": message["ts"],
        "text": message["text"],
        "message": copy.deepcopy(message),
    }


def _chat_delete(s: SlackStandIn, args: Json) -> Json:
    _required(args, "channel", "ts")
    channel = s._postable_channel(str(args["channel"]))
    key = (channel, str(args["ts"]))
    message = s.messages.get(key)
    if message is None:
        raise ApiError("message_not_found")
    # A bot token deletes only the bot's own messages.
    if message.get("user") != s.bot_user_id:
        raise ApiError("cant_delete_message")
    del s.messages[key]
    return {"channel": channel, "ts": key[1]}


def _chat_post_ephemeral(s: SlackStandIn, args: Json) -> Json:
    _required(args, "channel", "user")
    channel_id = s._postable_channel(str(args["channel"]))
    channel = s._channels.get(channel_id)
    if channel is not None and args["user"] not in channel["members"]:
        raise ApiError("user_not_in_channel")
    s._check_message_content("chat.postEphemeral", args)
    message_ts = s._next_ts()
    s.ephemerals.append({**args, "message_ts": message_ts})
    return {"message_ts": message_ts}


def _chat_get_permalink(s: SlackStandIn, args: Json) -> Json:
    _required(args, "channel", "message_ts")
    channel, ts = str(args["channel"]), str(args["message_ts"])
    message = s.messages.get((channel, ts))
    if message is None:
        raise ApiError("message_not_found")
    link = f"https://{s.team_domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
    thread_ts = message.get("thread_ts")
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel}"
    return {"channel": channel, "permalink": link}


def _views_open(s: SlackStandIn, args: Json) -> Json:
    _required(args, "trigger_id", "view")
    view = s._checked_view(args["view"])
    if view["type"] != "modal":
        raise invalid_arguments(["[ERROR] views.open only opens modals [json-pointer:/view/type]"])
    user_id = s._consume_trigger(str(args["trigger_id"]))
    # A new trigger starts a fresh stack: any modal the user had open is replaced.
    s.close_views(user_id)
    record = s._new_view_record(user_id, view, previous=None)
    s._stacks[user_id] = [record["id"]]
    s._last_modal[user_id] = record["id"]
    return {"view": s._response_view(record)}


def _views_push(s: SlackStandIn, args: Json) -> Json:
    _required(args, "trigger_id", "view")
    view = s._checked_view(args["view"])
    user_id = s._consume_trigger(str(args["trigger_id"]))
    return {"view": s._response_view(s._push_view(user_id, view))}


def _views_update(s: SlackStandIn, args: Json) -> Json:
    _required(args, "view")
    view_id = args.get("view_id") or s._external_ids.get(str(args.get("external_id") or ""))
    if not args.get("view_id") and not args.get("external_id"):
        raise invalid_arguments(["[ERROR] missing required field: view_id or external_id"])
    record = s.views.get(str(view_id))
    if record is None or s._foreign(record["team_id"]):
        raise ApiError("not_found")
    expected = str(args["hash"]) if args.get("hash") else None
    return {"view": s._response_view(s._replace_view(record, args["view"], expected_hash=expected))}


def _views_publish(s: SlackStandIn, args: Json) -> Json:
    _required(args, "user_id", "view")
    view = s._checked_view(args["view"])
    if view["type"] != "home":
        raise invalid_arguments(["[ERROR] type must be home [json-pointer:/view/type]"])
    user_id = str(args["user_id"])
    user = s._users.get(user_id)
    if user is not None and s._foreign(user["team_id"]):
        raise ApiError("user_not_found")  # another workspace's user is no user here
    record = s.home_views.get(user_id)
    if record is None:
        record = s._new_view_record(user_id, view, previous=None)
        s.home_views[user_id] = record
    else:
        expected = str(args["hash"]) if args.get("hash") else None
        s._replace_view(record, view, expected_hash=expected)
    return {"view": s._response_view(record)}


def _oauth_v2_access(s: SlackStandIn, args: Json) -> Json:
    return s._oauth_access(args)


def _files_get_upload_url_external(s: SlackStandIn, args: Json) -> Json:
    upload = s._reserve_upload(args)
    return {"upload_url": s.base_url + upload["path"], "file_id": upload["id"]}


def _files_complete_upload_external(s: SlackStandIn, args: Json) -> Json:
    return {"files": s._complete_uploads(args)}


METHODS: dict[str, Callable[[SlackStandIn, Json], Json]] = {
    "api.test": _api_test,
    "auth.test": _auth_test,
    "apps.connections.open": _apps_connections_open,
    "users.info": _users_info,
    "conversations.info": _conversations_info,
    "conversations.members": _conversations_members,
    "conversations.open": _conversations_open,
    "chat.postMessage": _chat_post_message,
    "chat.update": _chat_update,
    "chat.delete": _chat_delete,
    "chat.postEphemeral": _chat_post_ephemeral,
    "chat.getPermalink": _chat_get_permalink,
    "views.open": _views_open,
    "views.push": _views_push,
    "views.update": _views_update,
    "views.publish": _views_publish,
    "files.getUploadURLExternal": _files_get_upload_url_external,
    "files.completeUploadExternal": _files_complete_upload_external,
    "oauth.v2.access": _oauth_v2_access,
}
