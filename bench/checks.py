"""What bench/container.py and bench/proxy.py check, and how they say it: one line per
check that held, and Problem for the first that did not."""

from __future__ import annotations

import json
import uuid

from tests.slack.driver import SlackDriver

SIGNING_SECRET = "bench-signing-secret"
USER = "UBENCH"  # a person in the Slack stand-in


class Problem(Exception):
    """A check failed, or the engine cannot do what is needed; the message says which."""


def check(condition: bool, what: str) -> None:
    if not condition:
        raise Problem(what)
    passed(what)


def passed(what: str) -> None:
    print(f"  ok  {what}")


def signed_requests(driver: SlackDriver) -> None:
    """What Slack sends: the Request URL check, two commands (one reads the database), and
    a request signed with another secret, which must be refused."""
    challenge = uuid.uuid4().hex
    reply = driver.post(
        json.dumps({"type": "url_verification", "challenge": challenge, "token": "x"}),
        "application/json",
    )
    check(
        reply.status == 200 and challenge in reply.body,
        f"url_verification: {reply.status}, challenge echoed",
    )
    reply = driver.command(USER, "help")
    check(reply.status == 200 and "/panel" in reply.body, f"/panel help: {reply.status}")
    reply = driver.command(USER, "status")
    check(
        reply.status == 200 and "no open panels" in reply.body,
        f"/panel status (reads the database): {reply.status}",
    )
    reply = driver.post(json.dumps({"type": "url_verification"}), "application/json", secret="x")
    check(reply.status == 401, f"signed with another secret: {reply.status}")
