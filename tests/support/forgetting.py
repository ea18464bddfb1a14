"""`/panel forget` as the organizer goes through it: ask, read the confirmation modal,
confirm, read the report."""

from __future__ import annotations

from typing import Any

from tests.slack.driver import Reply, SlackDriver
from tests.support.harness import HIRING, ORG, Harness
from tests.support.texts import mrkdwn_texts


def texts(view: dict[str, Any]) -> str:
    return "\n".join(mrkdwn_texts(view.get("blocks") or []))


def ask_to_forget(
    h: Harness, text: str, *, user: str = ORG, driver: SlackDriver | None = None
) -> dict[str, Any]:
    """`/panel forget <text>`: the modal that replaces the "Looking up…" placeholder (the
    confirmation, or a notice saying why not)."""
    before = h.open_modal_id(user)
    reply = (driver or h.driver).command(user, f"forget {text}", channel_id=HIRING)
    assert reply.status == 200, reply.body

    def answered() -> dict[str, Any] | None:
        view = h.standin.open_view_for(user)
        if view and view["id"] != before and "Looking up" not in texts(view):
            return view
        return None

    return h.wait_for(answered, f"the answer to /panel forget {text}")


def confirm(h: Harness, view: dict[str, Any], user: str = ORG) -> dict[str, Any]:
    """Submit the confirmation; the modal Panelbot answers with (the report or a notice)."""
    assert view["callback_id"] == "panel_forget", texts(view)
    reply = h.driver.view_submission(user, view, {})
    return answer(reply)


def answer(reply: Reply) -> dict[str, Any]:
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["response_action"] == "update", body
    return dict(body["view"])
