"""File uploads, as a part of `SlackStandIn`: Slack's external upload flow.

`WebClient.files_upload_v2` uploads a file in three steps, and the stand-in answers each:

1. `files.getUploadURLExternal` (filename, length) reserves a file id and answers an
   `upload_url` on the stand-in's own server (`/upload/v1/...`);
2. the client POSTs the file's raw bytes to that URL (no token: the URL is the secret),
   answered HTTP 200 "OK - <length>" as Slack's file servers do;
3. `files.completeUploadExternal` (files, channel_id, initial_comment, thread_ts) finishes
   the upload and shares the files: a message from the bot carrying them appears in the
   channel (or thread), and each share is recorded in `files`.

Like Slack, the answer to step 3 does not show the shares yet (Slack shares asynchronously:
its `channels`/`shares` are empty), so a bot must not rely on them.
"""

from __future__ import annotations

import copy
import mimetypes
import secrets
from typing import Any

from tests.slack.conversations import ConversationsMixin
from tests.slack.errors import ApiError, invalid_arguments
from tests.slack.records import Json

UPLOAD_PATH = "/upload/v1/"
DOWNLOAD_PATH = "/files-pri/"


class FilesMixin(ConversationsMixin):
    """Pending uploads and every file the bot shared (`files`, `files_in`)."""

    # ---- what tests read --------------------------------------------------------------

    def files_in(self, channel: str) -> list[Json]:
        """Files shared to `channel` (id, name, or a user id meaning the bot's DM), oldest
        first, as records {id, filename, title, length, content, channel, thread_ts,
        initial_comment, ts, alt_txt}."""
        with self._lock:
            wanted = self._conversation_id(channel)
            return copy.deepcopy([f for f in self.files if f["channel"] == wanted])

    # ---- the upload URL (called from server threads) ---------------------------------

    def handle_upload(self, path: str, body: bytes) -> tuple[int, bytes]:
        """A POST of a file's bytes to an upload URL `files.getUploadURLExternal` issued."""
        with self._lock:
            pending = self._pending_uploads.get(self._upload_paths.get(path, ""))
            if pending is None:
                return 404, b"Not Found"
            if len(body) != pending["length"]:
                # Slack would store a truncated or padded file; a client bug either way.
                self._warn(
                    "upload",
                    "length_mismatch",
                    file_id=pending["id"],
                    declared=pending["length"],
                    received=len(body),
                )
            pending["content"] = bytes(body)
            return 200, f"OK - {len(body)}".encode()

    def handle_download(self, path: str, token: str | None) -> tuple[int, bytes, str]:
        """A GET of a shared file's `url_private` (needs the bot token, as Slack does)."""
        with self._lock:
            grant = self._grants.get(token or "")
            if grant is None or grant.revoked:
                return 403, b"Forbidden", "text/plain"
            file_id = path[len(DOWNLOAD_PATH) :].split("/")[0].rpartition("-")[2]
            for record in self.files:
                if record["id"] == file_id:
                    return 200, record["content"], _mimetype(record["filename"])
            return 404, b"Not Found", "text/plain"

    # ---- helpers used by the files.* method handlers (lock held) ----------------------

    def _reserve_upload(self, args: Json) -> Json:
        """files.getUploadURLExternal: a pending upload with its path on this server."""
        if args.get("filename") in (None, "") or args.get("length") in (None, ""):
            missing = [name for name in ("filename", "length") if args.get(name) in (None, "")]
            raise invalid_arguments([f"[ERROR] missing required field: {n}" for n in missing])
        try:
            length = int(str(args["length"]))
        except ValueError:
            raise invalid_arguments(["[ERROR] length must be an integer"]) from None
        if length < 1:
            raise invalid_arguments(["[ERROR] length must be a positive integer"])
        file_id = f"F{next(self._ids):010d}"
        path = f"{UPLOAD_PATH}{file_id}-{secrets.token_hex(8)}"
        self._upload_paths[path] = file_id
        self._pending_uploads[file_id] = {
            "id": file_id,
            "filename": str(args["filename"]),
            "length": length,
            "alt_txt": args.get("alt_txt") or None,
            "snippet_type": args.get("snippet_type") or None,
            "path": path,
            "content": None,
        }
        return self._pending_uploads[file_id]

    def _complete_uploads(self, args: Json) -> list[Json]:
        """files.completeUploadExternal: check everything, then share; Slack's file objects."""
        entries = _file_entries(args.get("files"))
        targets = self._share_targets(args)
        if args.get("thread_ts") and not targets:
            raise invalid_arguments(["[ERROR] thread_ts requires channel_id"])
        uploads: list[tuple[Json, str]] = []
        if len({str(entry["id"]) for entry in entries}) != len(entries):
            raise invalid_arguments(["[ERROR] files must not list a file id twice"])
        for entry in entries:
            pending = self._pending_uploads.get(str(entry["id"]))
            if pending is None:
                raise ApiError("file_not_found")
            if pending["content"] is None:
                # The id is known but its bytes never reached the upload URL.
                self._warn("files.completeUploadExternal", "upload_not_received", id=entry["id"])
                raise ApiError("file_not_found")
            uploads.append((pending, str(entry.get("title") or pending["filename"])))
        created = int(self.clock())
        objects = [self._file_object(pending, title, created) for pending, title in uploads]
        for target in targets:
            self._share(target, args, uploads, objects)
        if not targets:
            # Uploaded privately: a file, but no share.
            for pending, title in uploads:
                self.files.append(self._file_record(pending, title, None, args, None))
        for pending, _ in uploads:
            del self._pending_uploads[pending["id"]]
            self._upload_paths.pop(pending["path"], None)
        return objects

    def _share_targets(self, args: Json) -> list[str]:
        names: list[str] = []
        if args.get("channel_id"):
            names.append(str(args["channel_id"]))
        if args.get("channels"):
            names.extend(c.strip() for c in str(args["channels"]).split(",") if c.strip())
        targets: list[str] = []
        for name in names:
            # The same rules as chat.postMessage: not_in_channel, channel_not_found, ...
            channel = self._postable_channel(name)
            if channel not in targets:
                targets.append(channel)
        return targets

    def _share(
        self, channel: str, args: Json, uploads: list[tuple[Json, str]], objects: list[Json]
    ) -> None:
        """The message Slack posts for a share: from the bot, carrying the files."""
        text = args.get("initial_comment") or ""
        message = self._store_bot_message(
            channel, {"text": text, "thread_ts": args.get("thread_ts")}
        )
        message["files"] = copy.deepcopy(objects)
        message["upload"] = True
        for pending, title in uploads:
            self.files.append(self._file_record(pending, title, channel, args, message["ts"]))

    def _file_record(
        self, pending: Json, title: str, channel: str | None, args: Json, ts: str | None
    ) -> Json:
        return {
            "id": pending["id"],
            "filename": pending["filename"],
            "title": title,
            "length": pending["length"],
            "content": pending["content"],
            "channel": channel,
            "thread_ts": str(args["thread_ts"]) if channel and args.get("thread_ts") else None,
            "initial_comment": args.get("initial_comment") or None,
            "ts": ts,
            "alt_txt": pending["alt_txt"],
        }

    def _file_object(self, pending: Json, title: str, created: int) -> Json:
        """The file object Slack answers right after completing (shares not yet listed)."""
        file_id, name = pending["id"], pending["filename"]
        extension = name.rpartition(".")[2].lower() if "." in name else ""
        private = f"{self._base_url_for_files()}{DOWNLOAD_PATH}{self.team_id}-{file_id}/{name}"
        result: dict[str, Any] = {
            "id": file_id,
            "created": created,
            "timestamp": created,
            "name": name,
            "title": title,
            "mimetype": _mimetype(name),
            "filetype": extension,
            "pretty_type": extension.upper(),
            "user": self.bot_user_id,
            "user_team": self.team_id,
            "editable": False,
            "size": len(pending["content"]),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": False,
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": private,
            "url_private_download": private,
            "permalink": f"https://{self.team_domain}.slack.com/files/{self.bot_user_id}/"
            f"{file_id}/{name}",
            "comments_count": 0,
            "is_starred": False,
            "shares": {},
            "channels": [],
            "groups": [],
            "ims": [],
            "has_rich_preview": False,
            "file_access": "visible",
        }
        if pending["alt_txt"]:
            result["alt_txt"] = pending["alt_txt"]
        return result

    def _base_url_for_files(self) -> str:
        server = self._server
        if server is None:
            return ""
        host, port = server.server_address[:2]
        return f"http://{host!s}:{port}"


def _file_entries(files: object) -> list[Json]:
    """The `files` argument: a JSON list of {"id", "title"?} (decoded by the HTTP front)."""
    if files in (None, "", []):
        raise invalid_arguments(["[ERROR] missing required field: files"])
    if not isinstance(files, list) or not all(
        isinstance(entry, dict) and entry.get("id") for entry in files
    ):
        raise invalid_arguments(["[ERROR] files must be a JSON array of objects with an id"])
    return files


def _mimetype(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"
