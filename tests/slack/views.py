"""Modals and Home tabs, as a part of `SlackStandIn`.

Each user has a stack of at most three modals; views.open starts one, views.push grows it,
and the bot's answer to a view_submission (its response_action) updates, pushes, clears or
closes it, as Slack does. Views are validated with `view_errors` and keep a hash that
views.update and views.publish can check.
"""

from __future__ import annotations

import copy
import secrets
from typing import cast

from tests.slack.blockkit import view_errors
from tests.slack.errors import ApiError, invalid_arguments
from tests.slack.records import Json, StandInRecords

MAX_VIEW_STACK = 3

# Keys of a view object as Slack returns it (views.open etc.) and sends it in payloads.
VIEW_FIELDS = (
    "id",
    "team_id",
    "type",
    "blocks",
    "private_metadata",
    "callback_id",
    "state",
    "hash",
    "title",
    "clear_on_close",
    "notify_on_close",
    "close",
    "submit",
    "previous_view_id",
    "root_view_id",
    "app_id",
    "external_id",
    "app_installed_team_id",
    "bot_id",
)


class ViewStackMixin(StandInRecords):
    """Every view the app opened, pushed or published, and each user's modal stack."""

    # ---- what tests and the driver read -------------------------------------------

    def last_view_for(self, user_id: str) -> Json | None:
        """The modal most recently opened, updated or pushed for the user (even if closed)."""
        with self._lock:
            view_id = self._last_modal.get(user_id)
            return copy.deepcopy(self.views[view_id]) if view_id else None

    def open_view_for(self, user_id: str) -> Json | None:
        """The modal the user currently sees (top of their stack), or None."""
        with self._lock:
            stack = self._stacks.get(user_id) or []
            return copy.deepcopy(self.views[stack[-1]]) if stack else None

    def view_payload(self, view_id: str, values: Json | None = None) -> Json:
        """The view object Slack puts in interaction payloads for this view."""
        with self._lock:
            payload = {key: copy.deepcopy(self.views[view_id][key]) for key in VIEW_FIELDS}
        payload["state"] = {"values": copy.deepcopy(values or {})}
        return payload

    # ---- what the driver reports back after a view_submission ----------------------

    def apply_view_submission_ack(self, view_id: str, ack: Json | None) -> None:
        """Update the user's modal stack the way Slack does after the app acks a submit."""
        with self._lock:
            record = self.views[view_id]
            action = (ack or {}).get("response_action")
            try:
                self._apply_response_action(record, action, ack or {})
            except ApiError as exc:
                self._warn(
                    "view_submission",
                    "invalid_response_action",
                    response_action=action,
                    error=exc.error,
                    details=exc.extra,
                )

    def close_views(self, user_id: str) -> None:
        """The user closed their modal(s) with the close button (view_closed)."""
        with self._lock:
            for view_id in self._stacks.pop(user_id, []):
                self.views[view_id]["closed"] = True

    def _apply_response_action(self, record: Json, action: object, ack: Json) -> None:
        user_id = record["user_id"]
        if action == "errors":
            self._check_error_keys(record, ack.get("errors"))
            record["errors"] = ack.get("errors")
        elif action == "update":
            self._replace_view(record, ack.get("view"), expected_hash=None)
        elif action == "push":
            self._push_view(user_id, ack.get("view"))
        elif action == "clear":
            self.close_views(user_id)
        else:
            # A plain ack closes the submitted view and reveals the one below it.
            stack = self._stacks.get(user_id, [])
            if record["id"] in stack:
                stack.remove(record["id"])
            record["closed"] = True

    def _check_error_keys(self, record: Json, errors: object) -> None:
        input_ids = {
            block.get("block_id")
            for block in record["blocks"]
            if isinstance(block, dict) and block.get("type") == "input"
        }
        if not isinstance(errors, dict) or not errors or not set(errors) <= input_ids:
            raise invalid_arguments(
                [f"[ERROR] errors must map input block_ids {sorted(map(str, input_ids))}"]
            )

    # ---- helpers used by the views.* method handlers (lock held) -------------------

    def _new_view_id(self) -> str:
        return f"V{next(self._ids):010d}"

    def _new_hash(self) -> str:
        return f"{int(self.clock())}.{secrets.token_urlsafe(6)}"

    def _checked_view(self, view: object) -> Json:
        errors = view_errors(view)
        if errors:
            raise invalid_arguments(errors)
        return cast(Json, view)

    def _new_view_record(self, user_id: str, view: Json, *, previous: str | None) -> Json:
        view_id = self._new_view_id()
        external_id = view.get("external_id") or ""
        if external_id and external_id in self._external_ids:
            raise ApiError("duplicate_external_id")
        root = self.views[previous]["root_view_id"] if previous else view_id
        record = self._view_fields(view, view_id, external_id)
        record.update(
            previous_view_id=previous,
            root_view_id=root,
            user_id=user_id,
            closed=False,
            errors=None,
        )
        self.views[view_id] = record
        if external_id:
            self._external_ids[external_id] = view_id
        return record

    def _view_fields(self, view: Json, view_id: str, external_id: str) -> Json:
        return {
            "id": view_id,
            "team_id": self.team_id,
            "type": view["type"],
            "blocks": copy.deepcopy(view.get("blocks", [])),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": self._new_hash(),
            "title": view.get("title"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "app_id": self.app_id,
            "external_id": external_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
            "view": copy.deepcopy(view),
        }

    def _replace_view(self, record: Json, view: object, *, expected_hash: str | None) -> Json:
        checked = self._checked_view(view)
        if expected_hash is not None and expected_hash != record["hash"]:
            raise ApiError("hash_conflict")
        fresh = self._view_fields(checked, record["id"], record["external_id"])
        record.update(fresh, errors=None)
        if record["type"] == "modal":
            self._last_modal[record["user_id"]] = record["id"]
        return record

    def _push_view(self, user_id: str, view: object) -> Json:
        checked = self._checked_view(view)
        stack = self._stacks.get(user_id) or []
        if not stack:
            raise ApiError("not_found")
        if len(stack) >= MAX_VIEW_STACK:
            raise ApiError("push_limit_reached")
        record = self._new_view_record(user_id, checked, previous=stack[-1])
        stack.append(record["id"])
        self._last_modal[user_id] = record["id"]
        return record

    def _response_view(self, record: Json) -> Json:
        return {key: copy.deepcopy(record[key]) for key in VIEW_FIELDS}
