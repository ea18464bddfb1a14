"""The door: only Slack-signed, fresh requests get in."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from storage.migrate import upgrade
from storage.models import Round
from tests.support.harness import ORG, Harness


def command_body() -> str:
    return urlencode({"command": "/panel", "text": "help", "team_id": "T0001", "user_id": ORG})


@pytest.mark.parametrize(
    ("secret", "skew"),
    [
        ("wrong-secret", 0),  # wrong signature
        (None, -6 * 60),  # stale: more than 5 minutes old
        (None, +6 * 60),  # from the future
    ],
)
def test_bad_requests_get_401(harness: Harness, secret: str | None, skew: int) -> None:
    reply = harness.driver.post(
        command_body(),
        "application/x-www-form-urlencoded",
        secret=secret,
        timestamp=int(time.time()) + skew,
    )
    assert reply.status == 401


def test_tampered_body_gets_401(harness: Harness) -> None:
    body = command_body()
    timestamp = int(time.time())
    from tests.slack.driver import sign

    signature = sign("test-signing-secret", timestamp, body.encode())
    reply = harness.driver.post(
        body.replace("help", "new"),
        "application/x-www-form-urlencoded",
        headers={"X-Slack-Signature": signature},
        timestamp=timestamp,
    )
    assert reply.status == 401
    with harness.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Round)) == 0


def test_health(harness: Harness) -> None:
    import urllib.request

    with urllib.request.urlopen(harness.url + "/healthz", timeout=5) as response:
        assert response.status == 200
    with urllib.request.urlopen(harness.url + "/readyz", timeout=5) as response:
        assert (response.status, response.read()) == (200, b"ready")


def test_not_ready_on_an_older_schema(harness: Harness) -> None:
    """An instance whose database lacks the newest migration takes no traffic."""
    import urllib.error
    import urllib.request

    from storage.migrate import downgrade

    downgrade(harness.db.engine, "0002")
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(harness.url + "/readyz", timeout=5)
        assert refused.value.code == 503
        said = refused.value.read().decode()
        assert "schema is at 0002" in said and "panelbot db upgrade" in said
    finally:
        upgrade(harness.db.engine)


def test_help_and_unknown_verbs(harness: Harness) -> None:
    help_reply = harness.driver.command(ORG, "help").json()
    assert help_reply["response_type"] == "ephemeral"
    assert "/panel status" in str(help_reply["blocks"])
    unknown = harness.driver.command(ORG, "fortnightly <!channel>").json()
    assert "I don't know" in unknown["text"] and "<!channel>" not in str(unknown)
