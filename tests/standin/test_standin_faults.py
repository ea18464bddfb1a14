"""Self-tests of the Slack stand-in's fault injection: random, permanent and queued faults.

The clients here have no retry handlers, so every injected fault reaches the caller.
"""

from __future__ import annotations

import socket
import urllib.error
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.slack.standin import SlackStandIn

TOKEN = "xoxb-test"


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(token=TOKEN) as server:
        server.add_user("U1", "ada", real_name="Ada Lovelace")
        server.add_user("U2", "grace")
        server.add_channel("C0HIRING", "hiring", members=["U1", "U2"])
        server.add_channel("C0GONE", "gone", members=["U1"])
        yield server


def make_client(standin: SlackStandIn, *, timeout: float = 30) -> WebClient:
    # slack_sdk's annotation says int, but urllib takes any float timeout.
    return WebClient(base_url=standin.api_url, token=TOKEN, timeout=timeout, retry_handlers=[])  # type: ignore[arg-type]


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    return make_client(standin)


def api_error(call: Callable[[], Any]) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value


def post(client: WebClient, text: str = "hello", channel: str = "C0HIRING") -> Any:
    return client.chat_postMessage(channel=channel, text=text)


# ---- random faults, one kind at a time ----------------------------------------------


def test_ratelimited_answers_429_with_retry_after(client: WebClient, standin: SlackStandIn) -> None:
    standin.fail_randomly(1.0, kinds=("ratelimited",), retry_after=3)

    exc = api_error(lambda: post(client))
    assert exc.response.status_code == 429
    assert exc.response.headers["Retry-After"] == "3"
    assert exc.response["error"] == "ratelimited"
    assert client.api_test()["ok"], "api.test is never faulted at random"
    assert standin.posted() == []
    (call,) = standin.calls_to("chat.postMessage")
    assert (call.status, call.ok, call.fault) == (429, False, "ratelimited")
    assert standin.fault_counts() == {"ratelimited": 1}


def test_server_error_answers_500(client: WebClient, standin: SlackStandIn) -> None:
    standin.fail_randomly(1.0, kinds=("server_error",))

    assert api_error(lambda: post(client)).response.status_code == 500
    assert api_error(client.auth_test).response.status_code == 500
    assert standin.posted() == []
    assert standin.fault_counts() == {"server_error": 2}
    assert standin.fault_counts("auth.test") == {"server_error": 1}
    assert standin.warnings == []


def test_fatal_error_answers_200_not_ok(client: WebClient, standin: SlackStandIn) -> None:
    standin.fail_randomly(1.0, kinds=("fatal_error",))

    exc = api_error(lambda: post(client))
    assert (exc.response.status_code, exc.response["error"]) == (200, "fatal_error")
    assert standin.posted() == []
    assert standin.fault_counts() == {"fatal_error": 1}


def test_slow_answer_times_out_but_takes_effect(standin: SlackStandIn) -> None:
    impatient = make_client(standin, timeout=0.2)
    standin.fail_randomly(1.0, kinds=("slow",), delay=0.5)

    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        post(impatient, "late but there")

    assert [m["text"] for m in standin.posted("C0HIRING")] == ["late but there"]
    (call,) = standin.calls_to("chat.postMessage")
    assert (call.ok, call.fault) == (True, "slow")
    assert standin.fault_counts() == {"slow": 1}


def test_methods_filter_and_stop_failing(client: WebClient, standin: SlackStandIn) -> None:
    standin.fail_randomly(1.0, methods=["chat.postMessage"], kinds=("fatal_error",))

    assert client.users_info(user="U1")["ok"]
    assert client.auth_test()["ok"]
    assert api_error(lambda: post(client)).response["error"] == "fatal_error"

    standin.stop_failing()
    assert post(client)["ok"]
    assert len(standin.posted()) == 1


def test_invalid_settings_are_refused(standin: SlackStandIn) -> None:
    with pytest.raises(ValueError):
        standin.fail_randomly(1.5)
    with pytest.raises(ValueError):
        standin.fail_randomly(0.5, kinds=("gremlins",))
    with pytest.raises(ValueError):
        standin.fail_randomly(0.5, kinds=())
    with pytest.raises(ValueError):
        standin.fail_randomly(0.5, kinds=("slow",))
    with pytest.raises(ValueError):
        standin.fail_randomly(0.5, methods=["chat.postMesage"])
    with pytest.raises(ValueError):
        standin.fail_always("chat.postMesage", "channel_not_found")


# ---- random faults at a share, concurrently -----------------------------------------


def test_share_of_concurrent_posts_fails_and_only_successes_are_stored(
    client: WebClient, standin: SlackStandIn
) -> None:
    standin.fail_randomly(0.3, kinds=("ratelimited", "server_error", "fatal_error"), seed=7)

    def attempt(n: int) -> str | None:
        try:
            return str(post(client, f"message {n}")["ts"])
        except SlackApiError:
            return None

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(attempt, range(200)))

    succeeded = {ts for ts in answers if ts is not None}
    failed = answers.count(None)
    assert 30 <= failed <= 90, failed
    stored = standin.posted("C0HIRING")
    assert len(stored) == len(succeeded) == 200 - failed
    assert {m["ts"] for m in stored} == succeeded
    assert sum(standin.fault_counts("chat.postMessage").values()) == failed
    assert set(standin.fault_counts()) <= {"ratelimited", "server_error", "fatal_error"}
    assert len(standin.calls_to("chat.postMessage")) == 200


def test_seed_makes_the_fates_repeatable(client: WebClient, standin: SlackStandIn) -> None:
    def fates() -> list[int]:
        statuses = []
        for _ in range(30):
            try:
                post(client)
                statuses.append(200)
            except SlackApiError as exc:
                statuses.append(exc.response.status_code)
        return statuses

    standin.fail_randomly(0.5, seed=42)
    first = fates()
    standin.fail_randomly(0.5, seed=42)
    assert fates() == first
    assert {429, 500, 200} == set(first)


# ---- permanent faults -----------------------------------------------------------------


def test_fail_always_hits_only_matching_calls(client: WebClient, standin: SlackStandIn) -> None:
    standin.fail_always(
        "chat.postMessage", "channel_not_found", when=lambda a: a.get("channel") == "C0GONE"
    )
    standin.fail_always("conversations.open", "account_inactive", when=lambda a: a["users"] == "U1")

    for _ in range(3):
        exc = api_error(lambda: post(client, channel="C0GONE"))
        assert (exc.response.status_code, exc.response["error"]) == (200, "channel_not_found")
    assert post(client, channel="C0HIRING")["ok"]
    assert error_code(lambda: client.conversations_open(users="U1")) == "account_inactive"
    assert client.conversations_open(users="U2")["channel"]["id"] == "DU2"

    assert standin.posted("C0GONE") == []
    assert len(standin.posted("hiring")) == 1
    assert standin.fault_counts() == {"channel_not_found": 3, "account_inactive": 1}


def test_failing_predicate_fails_the_call_visibly(client: WebClient, standin: SlackStandIn) -> None:
    standin.fail_always("chat.postMessage", "channel_not_found", when=lambda a: a["nope"])

    assert api_error(lambda: post(client)).response.status_code == 500
    assert standin.warnings[-1]["warning"] == "standin_error"
    assert standin.posted() == []


# ---- precedence and clearing ----------------------------------------------------------


def test_queued_faults_come_before_permanent_and_random_ones(
    client: WebClient, standin: SlackStandIn
) -> None:
    standin.fail_randomly(1.0, kinds=("server_error",))
    standin.fail_always("chat.postMessage", "is_archived", when=lambda a: a["text"] == "old")
    standin.fail_next("chat.postMessage", status=429, retry_after=9, times=2)

    assert api_error(lambda: post(client, "old")).response.headers["Retry-After"] == "9"
    assert api_error(lambda: post(client, "new")).response.status_code == 429
    assert error_code(lambda: post(client, "old")) == "is_archived"
    assert api_error(lambda: post(client, "new")).response.status_code == 500
    assert standin.fault_counts() == {"ratelimited": 2, "is_archived": 1, "server_error": 1}


def test_clear_failures_removes_every_kind(client: WebClient, standin: SlackStandIn) -> None:
    standin.fail_randomly(1.0, kinds=("fatal_error",))
    standin.fail_always("users.info", "user_not_found")
    standin.fail_next("auth.test", status=500, times=5)
    assert api_error(client.auth_test).response.status_code == 500

    standin.clear_failures()

    assert client.auth_test()["ok"]
    assert client.users_info(user="U1")["ok"]
    assert post(client)["ok"]
    assert len(standin.posted()) == 1
    assert standin.fault_counts() == {"server_error": 1}, "counts are history"


# ---- what `posted` counts --------------------------------------------------------------


def test_posted_counts_only_bot_posts(client: WebClient, standin: SlackStandIn) -> None:
    standin.add_message("C0HIRING", "U1", "a person's message")
    first = post(client, "round 1 scheduled")
    post(client, "round 2 scheduled")
    client.chat_update(channel="C0HIRING", ts=first["ts"], text="round 1 moved")
    post(client, "hi ada", channel="U1")
    url = standin.new_response_url("C0HIRING")
    standin.handle_response_url(url, {"response_type": "in_channel", "text": "round 3"})

    assert [m["text"] for m in standin.posted()] == [
        "round 1 moved",
        "round 2 scheduled",
        "hi ada",
    ]
    assert [m["text"] for m in standin.posted("#hiring", text_contains="round")] == [
        "round 1 moved",
        "round 2 scheduled",
    ]
    assert [m["channel"] for m in standin.posted("U1")] == ["DU1"]
    assert standin.posted("DU1") == standin.posted("U1")
    assert standin.posted(text_contains="nothing like this") == []


def error_code(call: Callable[[], Any]) -> str:
    return str(api_error(call).response["error"])
