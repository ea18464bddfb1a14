"""Self-tests of the Slack stand-in's file uploads (`WebClient.files_upload_v2`)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from tests.slack.standin import SlackStandIn
from tests.support.slack_api import error_of

TOKEN = "xoxb-test"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(token=TOKEN) as server:
        server.add_user("U1", "ada", real_name="Ada Lovelace")
        server.add_channel("C0HIRING", "hiring", members=["U1"])
        server.add_channel("C0NOBOT", "random", bot_is_member=False)
        server.add_channel("G0SECRET", "secret", is_private=True, bot_is_member=False)
        yield server


def post_bytes(url: str, data: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_upload_to_a_channel_records_the_exact_bytes(
    client: WebClient, standin: SlackStandIn
) -> None:
    root = client.chat_postMessage(channel="C0HIRING", text="Round for Jo")
    answer = client.files_upload_v2(
        channel="C0HIRING",
        file=PNG,
        filename="comparison.png",
        title="Comparison",
        initial_comment="Here is the comparison",
        thread_ts=root["ts"],
        alt_txt="Heatmap of ratings",
    )

    (record,) = standin.files_in("C0HIRING")
    assert record["content"] == PNG
    assert (record["filename"], record["title"], record["length"]) == (
        "comparison.png",
        "Comparison",
        len(PNG),
    )
    assert record["thread_ts"] == root["ts"]
    assert record["initial_comment"] == "Here is the comparison"
    assert record["alt_txt"] == "Heatmap of ratings"
    assert standin.files == [record]
    assert standin.files_in("#hiring") == [record]
    # Slack answers the file object; the shares are listed only later (asynchronously).
    file_object = answer["file"]
    assert (file_object["id"], file_object["title"]) == (record["id"], "Comparison")
    assert file_object["id"].startswith("F")
    assert (file_object["size"], file_object["mimetype"]) == (len(PNG), "image/png")
    assert file_object["shares"] == {}
    # The share is a message from the bot in the thread, carrying the file.
    (share,) = standin.replies_to("C0HIRING", root["ts"])
    assert (share["ts"], share["user"]) == (record["ts"], "UBOT")
    assert share["text"] == "Here is the comparison"
    assert [f["id"] for f in share["files"]] == [record["id"]]
    # chat.postMessage records are left alone.
    assert [m["ts"] for m in standin.posted("C0HIRING")] == [root["ts"]]
    complete = standin.calls_to("files.completeUploadExternal")[0]
    assert complete.args["files"] == [{"id": record["id"], "title": "Comparison"}]
    assert complete.args["channel_id"] == "C0HIRING"
    assert standin.warnings == []


def test_upload_from_a_path_defaults_the_title_to_the_filename(
    client: WebClient, standin: SlackStandIn, tmp_path: Path
) -> None:
    path = tmp_path / "ratings.csv"
    path.write_bytes(b"name,score\nJo,3.5\n")
    client.files_upload_v2(channel="C0HIRING", file=str(path))

    (record,) = standin.files_in("C0HIRING")
    assert (record["filename"], record["title"]) == ("ratings.csv", "ratings.csv")
    assert record["content"] == path.read_bytes()
    assert (record["thread_ts"], record["initial_comment"]) == (None, None)
    assert standin.messages_in("C0HIRING")[0]["files"][0]["name"] == "ratings.csv"


def test_upload_to_a_channel_the_bot_is_not_in(client: WebClient, standin: SlackStandIn) -> None:
    def upload(channel: str) -> Any:
        return client.files_upload_v2(channel=channel, file=PNG, filename="a.png", title="A")

    assert error_of(lambda: upload("C0NOBOT")) == "not_in_channel"
    assert error_of(lambda: upload("G0SECRET")) == "channel_not_found"
    assert error_of(lambda: upload("C0NONE")) == "channel_not_found"
    assert standin.files == []
    assert standin.messages_in("C0NOBOT") == []


def test_a_refused_share_can_be_completed_later(client: WebClient, standin: SlackStandIn) -> None:
    reserved = client.files_getUploadURLExternal(filename="a.png", length=len(PNG))
    assert post_bytes(reserved["upload_url"], PNG) == (200, f"OK - {len(PNG)}".encode())
    files = [{"id": reserved["file_id"], "title": "A"}]
    refused = lambda: client.files_completeUploadExternal(  # noqa: E731
        files=files, channel_id="C0NOBOT"
    )
    assert error_of(refused) == "not_in_channel"

    client.files_completeUploadExternal(files=files, channel_id="C0HIRING")

    assert [f["id"] for f in standin.files_in("C0HIRING")] == [reserved["file_id"]]


def test_upload_to_a_dm_the_bot_opened(client: WebClient, standin: SlackStandIn) -> None:
    dm = client.conversations_open(users="U1")["channel"]["id"]
    client.files_upload_v2(channel=dm, content="some notes", filename="notes.txt", title="Notes")

    (record,) = standin.files_in(dm)
    assert record["content"] == b"some notes"
    assert standin.files_in("U1") == [record]  # a user id means the bot's DM with them
    assert standin.messages_in(dm)[0]["files"][0]["title"] == "Notes"


def test_upload_without_a_channel_is_private(client: WebClient, standin: SlackStandIn) -> None:
    client.files_upload_v2(file=PNG, filename="a.png")

    (record,) = standin.files
    assert (record["channel"], record["ts"], record["content"]) == (None, None, PNG)
    assert standin.messages == {}


def test_missing_arguments(client: WebClient, standin: SlackStandIn) -> None:
    assert error_of(lambda: client.api_call("files.getUploadURLExternal")) == "invalid_arguments"
    assert (
        error_of(lambda: client.api_call("files.getUploadURLExternal", params={"filename": "a"}))
        == "invalid_arguments"
    )
    for length in ("0", "-3", "ten"):
        refused = lambda n=length: client.api_call(  # noqa: E731
            "files.getUploadURLExternal", params={"filename": "a.png", "length": n}
        )
        assert error_of(refused) == "invalid_arguments"
    assert error_of(lambda: client.api_call("files.completeUploadExternal")) == (
        "invalid_arguments"
    )
    for files in ("not json", json.dumps({"id": "F1"}), json.dumps([{"title": "no id"}])):
        malformed = lambda f=files: client.api_call(  # noqa: E731
            "files.completeUploadExternal", params={"files": f, "channel_id": "C0HIRING"}
        )
        assert error_of(malformed) == "invalid_arguments"
    reserved = client.files_getUploadURLExternal(filename="a.png", length=len(PNG))
    post_bytes(reserved["upload_url"], PNG)
    twice = [{"id": reserved["file_id"]}, {"id": reserved["file_id"]}]
    assert error_of(lambda: client.files_completeUploadExternal(files=twice)) == (
        "invalid_arguments"
    )
    # A thread needs a channel.
    once = [{"id": reserved["file_id"]}]
    no_channel = lambda: client.files_completeUploadExternal(  # noqa: E731
        files=once, thread_ts="1700000000.000100"
    )
    assert error_of(no_channel) == "invalid_arguments"
    assert standin.files == []


def test_unknown_files_and_bytes_that_never_arrived(
    client: WebClient, standin: SlackStandIn
) -> None:
    unknown: list[dict[str, str | None]] = [{"id": "F0NOPE", "title": "x"}]
    assert (
        error_of(lambda: client.files_completeUploadExternal(files=unknown, channel_id="C0HIRING"))
        == "file_not_found"
    )

    reserved = client.files_getUploadURLExternal(filename="a.png", length=len(PNG))
    never_sent: list[dict[str, str | None]] = [{"id": reserved["file_id"], "title": "A"}]
    assert (
        error_of(
            lambda: client.files_completeUploadExternal(files=never_sent, channel_id="C0HIRING")
        )
        == "file_not_found"
    )
    assert standin.warnings[-1]["warning"] == "upload_not_received"

    # Once completed, the upload URL and the id are spent.
    post_bytes(reserved["upload_url"], PNG)
    client.files_completeUploadExternal(files=never_sent, channel_id="C0HIRING")
    assert post_bytes(reserved["upload_url"], PNG)[0] == 404
    assert (
        error_of(
            lambda: client.files_completeUploadExternal(files=never_sent, channel_id="C0HIRING")
        )
        == "file_not_found"
    )
    assert len(standin.files) == 1


def test_upload_url_checks(client: WebClient, standin: SlackStandIn) -> None:
    assert post_bytes(standin.base_url + "/upload/v1/F0NOPE-0000", PNG)[0] == 404
    reserved = client.files_getUploadURLExternal(filename="a.png", length=10)
    assert post_bytes(reserved["upload_url"], PNG)[0] == 200
    assert standin.warnings[-1]["warning"] == "length_mismatch"


def test_token_is_checked(standin: SlackStandIn) -> None:
    stranger = WebClient(base_url=standin.api_url, token="xoxb-wrong")
    assert error_of(lambda: stranger.files_upload_v2(channel="C0HIRING", file=PNG)) == (
        "invalid_auth"
    )
    anonymous = WebClient(base_url=standin.api_url)
    assert error_of(lambda: anonymous.files_upload_v2(channel="C0HIRING", file=PNG)) == (
        "not_authed"
    )
    assert standin.files == []


def test_url_private_serves_the_file_to_the_bot(client: WebClient, standin: SlackStandIn) -> None:
    url = client.files_upload_v2(channel="C0HIRING", file=PNG, filename="a.png")["file"][
        "url_private"
    ]
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert (response.read(), response.headers["Content-Type"]) == (PNG, "image/png")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=5)
    assert refused.value.code == 403


def test_faults_apply_to_the_files_methods(client: WebClient, standin: SlackStandIn) -> None:
    standin.fail_next("files.completeUploadExternal", error="fatal_error")
    assert error_of(lambda: client.files_upload_v2(channel="C0HIRING", file=PNG)) == ("fatal_error")
    assert standin.files == []
    client.files_upload_v2(channel="C0HIRING", file=PNG)
    assert len(standin.files_in("C0HIRING")) == 1
