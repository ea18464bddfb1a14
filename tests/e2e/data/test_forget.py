"""Erasing a candidate through the real HTTP app (`/panel forget <candidate>` → the
confirmation modal → submit) and through `panelbot forget`: the rounds and everything on
them go in one transaction, the bot's Slack messages about them are deleted in the stand-in,
the report counts what went; refusals, double submits, unknown and forged input, escaping."""

from __future__ import annotations

import io
import json
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.domain.erasure import ErasableRound, ErasurePlan
from bot.domain.panel import Status
from bot.views.forget import forget_modal
from handlers.forget import OUT_OF_DATE
from storage.db import Database
from storage.models import DueWork, Feedback, Outbox, Panelist, Question, Round
from tests.slack.blockkit import view_errors
from tests.slack.driver import SlackDriver
from tests.support.cli import run_cli
from tests.support.finished_rounds import seed_finished_rounds
from tests.support.forgetting import answer, ask_to_forget, confirm, texts
from tests.support.harness import (
    ANA,
    BEN,
    CY,
    DEE,
    HIRING,
    ORG,
    PANEL,
    SIGNING_SECRET,
    Harness,
)
from tests.support.rows import count

WED = datetime(2026, 12, 2, tzinfo=UTC)  # a Wednesday
INTERVIEW = WED.replace(hour=15)
NUDGE_1 = INTERVIEW + timedelta(hours=2, seconds=30)  # BEN (New York) and CY (Berlin) awake
ADMIN = "UADMIN"
ESCAPED_NAME = "<!channel> & <@UANA>"


# -- helpers -------------------------------------------------------------------------------
def rounds_of(db: Database, candidate: str) -> list[int]:
    with db.read() as session:
        return list(
            session.scalars(
                select(Round.id).where(Round.candidate_name == candidate).order_by(Round.id)
            )
        )


def ada_rounds(db: Database, n: int, organizer: str = ORG, team: str = "T0001") -> list[int]:
    return seed_finished_rounds(
        db,
        n,
        candidate=lambda i: "Ada Lovelace",
        organizer=organizer,
        team=team,
        submitted=lambda i: [ANA],
        status=Status.CLOSED,
    ).round_ids


# -- the whole way -------------------------------------------------------------------------
def test_forget_erases_the_candidate_and_the_bots_messages_about_them(harness: Harness) -> None:
    h = harness
    h.clock.set(WED.replace(hour=10))
    interview = int(INTERVIEW.timestamp())
    h.start_round(panelists=[ANA, DEE], candidate="Grace Hopper", interview_at=interview)
    grace_announcement = h.announcement() or {}
    ada = h.start_round(panelists=PANEL, interview_at=interview)
    h.give_feedback(ANA)
    h.clock.set(NUDGE_1)  # BEN and CY still owe feedback: each is nudged
    h.settle()
    h.tick()
    h.wait_for(lambda: len(h.standin.messages_in(f"D{CY}")) >= 2, "CY's nudge")
    h.click(ORG, h.announcement() or {}, "close_round")  # a partial summary in the thread
    summary = h.wait_for(h.thread, "the summary")[0]
    h.settle()

    def about_ada() -> set[tuple[str, str]]:
        found = set()
        for channel in (HIRING, f"D{ANA}", f"D{BEN}", f"D{CY}", f"D{DEE}", f"D{ORG}"):
            for m in h.standin.messages_in(channel):
                if "Ada Lovelace" in json.dumps(m):
                    found.add((channel, m["ts"]))
        return found

    h.wait_for(lambda: len(about_ada()) >= 1 + 1 + 3 + 2, "every message about Ada")
    doomed = about_ada()
    assert (HIRING, summary["ts"]) in doomed
    assert {c for c, _ in doomed} == {HIRING, f"D{ANA}", f"D{BEN}", f"D{CY}"}
    kept = {
        (channel, m["ts"])
        for channel in (HIRING, f"D{ANA}", f"D{DEE}")
        for m in h.standin.messages_in(channel)
        if "Grace Hopper" in json.dumps(m)
    }
    assert (HIRING, grace_announcement["ts"]) in kept

    # Any case, any spacing: the same candidate.
    view = ask_to_forget(h, "  ada   LOVELACE ")
    said = texts(view)
    assert "This erases Ada Lovelace from Panelbot for good. It cannot be undone." in said
    assert "*Staff Engineer* — started <!date^" in said
    assert "closed · 3 panelists · 1 feedback" in said
    assert f"Panelbot's {len(doomed)} messages about them in Slack" in said
    assert view["submit"]["text"] == "Erase for good"
    assert json.loads(view["private_metadata"]) == {"candidate": "Ada Lovelace", "up_to": ada}
    assert rounds_of(h.db, "Ada Lovelace") == [ada]  # nothing erased before the submit

    report = texts(confirm(h, view))
    assert "Erased *Ada Lovelace* from Panelbot" in report
    for part in (
        "1 panel round",
        "3 panelists",
        "1 feedback submission",
        f"{len(doomed)} Slack messages (being deleted)",
    ):
        assert f"• {part}\n" in report + "\n", report

    h.wait_for(lambda: not about_ada(), "the messages about Ada to be deleted")
    deleted = {(c.args["channel"], c.args["ts"]) for c in h.standin.calls_to("chat.delete")}
    assert deleted == doomed
    assert all(call.ok for call in h.standin.calls_to("chat.delete"))
    for channel, ts in kept:  # Grace's panel is untouched
        assert any(m["ts"] == ts for m in h.standin.messages_in(channel))

    h.settle()
    assert rounds_of(h.db, "Ada Lovelace") == []
    for model in (Panelist, Feedback, Question, DueWork, Outbox):
        assert count(h.db, model, model.round_id == ada) == 0, model.__name__
    assert count(h.db, Round) == 1
    with h.db.read() as session:
        deletions = session.execute(
            select(Outbox.status, Outbox.payload, Outbox.round_id).where(Outbox.kind == "delete")
        ).all()
        payloads = [json.dumps(p) for p in session.scalars(select(Outbox.payload))]
        labels = [str(k) for k in session.scalars(select(Outbox.key))]
    assert len(deletions) == len(doomed)
    # The deletions say where the messages were, and nothing of what they were about.
    assert {(s, tuple(sorted(p)), r) for s, p, r in deletions} == {
        ("sent", ("channel", "ts"), None)
    }
    assert not [p for p in payloads + labels if "Ada" in p]


def test_a_message_on_its_way_while_the_candidate_is_erased_is_deleted_too(
    harness: Harness,
) -> None:
    h = harness
    # Slack takes 2 s to answer each post: the announcement is in flight while we erase.
    h.standin.fail_randomly(1.0, methods=["chat.postMessage"], kinds=["slow"], delay=2.0)
    assert h.submit_new_panel(h.open_new_panel(), panelists=[ANA]).status == 200
    h.wait_for(lambda: h.standin.posted(HIRING), "the announcement on its way")
    assert "• 1 panel round\n" in texts(confirm(h, ask_to_forget(h, "Ada Lovelace"))) + "\n"
    h.standin.stop_failing()
    # When Slack's answer comes back, the row is gone: the message's deletion is enqueued.
    h.wait_for(lambda: count(h.db, Outbox, Outbox.kind == "delete"), "the deletion")
    h.tick()
    h.wait_for(lambda: not h.standin.posted(), "every message about Ada deleted")
    assert len(h.standin.calls_to("chat.delete")) == 1


# -- who may ---------------------------------------------------------------------------------
def test_only_the_organizer_of_every_round_or_an_admin_may_erase(harness: Harness) -> None:
    h = harness
    h.standin.add_user(ADMIN, "adele", real_name="Adele Admin", is_admin=True)
    mine = ada_rounds(h.db, 1)

    # A panelist (not the organizer) is refused, and told nothing of anyone's feedback.
    refused = texts(ask_to_forget(h, "Ada Lovelace", user=ANA))
    assert refused == (
        "You can't erase Ada Lovelace: only whoever organized every one of their panels, "
        "or a workspace admin or owner, can."
    )
    # Someone else organized another of Ada's rounds: the organizer is refused too.
    ada_rounds(h.db, 1, organizer=DEE)
    assert texts(ask_to_forget(h, "ada lovelace")).startswith("You can't erase ada lovelace:")
    # Another workspace has no Ada: not found there, whatever ours holds.
    outsider = SlackDriver(h.url, SIGNING_SECRET, h.standin, team_id="T0002")
    assert texts(ask_to_forget(h, "Ada Lovelace", user=BEN, driver=outsider)) == (
        "Panelbot holds no panels for a candidate named Ada Lovelace in this workspace "
        "(names are matched whole, in any case)."
    )
    assert len(rounds_of(h.db, "Ada Lovelace")) == 2

    # A workspace admin may; the submission is checked again (a panelist submitting the
    # admin's confirmation is refused), then it erases both rounds.
    view = ask_to_forget(h, "Ada Lovelace", user=ADMIN)
    assert "Panelbot holds 2 panel rounds about them" in texts(view)
    payload = h.submission(ANA, view, {})
    assert texts(answer(h.driver.post_payload(payload))).startswith("You can't erase")
    assert len(rounds_of(h.db, "Ada Lovelace")) == 2
    report = texts(confirm(h, view, user=ADMIN))
    assert "• 2 panel rounds" in report and "• 6 panelists" in report
    assert rounds_of(h.db, "Ada Lovelace") == [] and mine


# -- retries, mistakes, forgeries -------------------------------------------------------------
def test_a_double_submit_erases_once_and_says_so(harness: Harness) -> None:
    h = harness
    ada_rounds(h.db, 2)
    view = ask_to_forget(h, "Ada Lovelace")
    payload = h.submission(ORG, view, {})
    first = texts(answer(h.driver.post_payload(payload)))
    second = texts(answer(h.driver.post_payload(payload)))
    assert "• 2 panel rounds" in first
    assert second == "There is nothing left to erase about *Ada Lovelace*: it was already erased."
    assert rounds_of(h.db, "Ada Lovelace") == []


def test_unknown_candidates_and_forged_confirmations(harness: Harness) -> None:
    h = harness
    ada_rounds(h.db, 1)
    assert texts(ask_to_forget(h, "Ada Byron")).startswith(
        "Panelbot holds no panels for a candidate named Ada Byron in this workspace"
    )
    reply = h.driver.command(ORG, "forget   ", channel_id=HIRING)
    assert reply.json()["text"] == "Say whom to erase: `/panel forget <candidate name>`."

    view = ask_to_forget(h, "Ada Lovelace")
    for forged in (
        "not json",
        "[]",
        '{"candidate": "Ada Lovelace"}',
        '{"candidate": 7, "up_to": 1}',
        '{"candidate": "Ada Lovelace", "up_to": "9"}',
        '{"candidate": " ", "up_to": 9}',
    ):
        payload = h.submission(ORG, view, {})
        payload["view"]["private_metadata"] = forged
        notice = answer(h.driver.post_payload(payload))
        assert texts(notice) == OUT_OF_DATE, forged
    # A well-formed one for nobody there (another team's candidate, say) erases nothing.
    payload = h.submission(ORG, view, {})
    payload["view"]["private_metadata"] = '{"candidate": "Grace Hopper", "up_to": 99}'
    assert texts(answer(h.driver.post_payload(payload))).startswith("There is nothing left")
    assert len(rounds_of(h.db, "Ada Lovelace")) == 1


def test_a_round_started_after_the_confirmation_is_not_erased_unseen(harness: Harness) -> None:
    h = harness
    ada_rounds(h.db, 1)
    view = ask_to_forget(h, "Ada Lovelace")
    later = ada_rounds(h.db, 1)
    assert "• 1 panel round\n" in texts(confirm(h, view)) + "\n"
    assert rounds_of(h.db, "Ada Lovelace") == later


def test_the_candidate_name_is_escaped_everywhere(harness: Harness) -> None:
    h = harness
    seed_finished_rounds(h.db, 1, candidate=lambda i: ESCAPED_NAME)
    view = ask_to_forget(h, ESCAPED_NAME)
    report = confirm(h, view)
    placeholder = h.standin.calls_to("views.open")[-1].args["view"]
    for shown in (placeholder, view, report):
        said = texts(shown if isinstance(shown, dict) else json.loads(shown))
        assert "&lt;!channel&gt; &amp; &lt;@UANA&gt;" in said, said
        assert "<!channel>" not in said and "<@UANA>" not in said
    assert rounds_of(h.db, ESCAPED_NAME) == []
    # A refusal and a not-found answer escape it too.
    seed_finished_rounds(h.db, 1, candidate=lambda i: ESCAPED_NAME, organizer=DEE)
    refused = texts(ask_to_forget(h, ESCAPED_NAME, user=CY))
    missing = texts(ask_to_forget(h, ESCAPED_NAME + "!", user=CY))
    for said in (refused, missing):
        assert "&lt;!channel&gt;" in said and "<!channel>" not in said


def test_old_digests_naming_the_candidate_are_erased_with_them(harness: Harness) -> None:
    """Digests and comparisons are rendered when enqueued: their rows name candidates."""
    h = harness
    ada = ada_rounds(h.db, 1)[0]
    with h.standin._lock:  # the digest naming Ada, as the bot posted it
        posted = h.standin._store_bot_message(HIRING, {"text": "Digest"})["ts"]
    with h.db.transaction() as session:
        started = session.execute(select(Round.created_at).where(Round.id == ada)).scalar_one()
        for key, text in (
            ("digest:ada", "Finished: *Ada Lovelace* — 3.2"),
            ("digest:adam", "Finished: *Ada Lovelacey* — 2.0"),
            ("digest:before", "Finished: *Ada Lovelace* — 1.0"),
        ):
            session.add(
                Outbox(
                    team_id="T0001",
                    key=key,
                    kind="post",
                    status="sent",
                    due_at=started,
                    created_at=started - timedelta(days=30) if key == "digest:before" else started,
                    channel_id=HIRING,
                    result_channel=HIRING if key == "digest:ada" else None,
                    result_ts=posted if key == "digest:ada" else None,
                    payload={
                        "label": "the hiring digest",
                        "text": "Digest",
                        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
                    },
                )
            )
    assert any(m["ts"] == posted for m in h.standin.messages_in(HIRING))
    report = texts(confirm(h, ask_to_forget(h, "Ada Lovelace")))
    with h.db.read() as session:
        left = set(session.scalars(select(Outbox.key).where(Outbox.kind == "post")))
    # The digest from before Ada's first round can't be about this Ada; "Lovelacey" isn't her.
    assert left == {"digest:adam", "digest:before"}
    assert "• 1 message record" in report
    # The posted digest that named her is deleted from the channel, like her own messages.
    h.tick()
    assert all(m["ts"] != posted for m in h.standin.messages_in(HIRING))


# -- panelbot forget -----------------------------------------------------------------------------
def test_panelbot_forget(
    cli: Database,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ada = ada_rounds(cli, 2)
    other = seed_finished_rounds(cli, 1, candidate=lambda i: "Grace Hopper").round_ids
    with cli.transaction() as session:  # the first round's messages were posted
        session.execute(
            update(Round)
            .where(Round.id == ada[0])
            .values(announcement_ts="1.000100", summary_ts="1.000200")
        )

    monkeypatch.setattr(sys, "stdin", io.StringIO("no\n"))
    code, out, err = run_cli(capsys, "forget", "--candidate", "ADA  lovelace ")
    assert code == 1 and err == "panelbot: nothing was erased.\n"
    lines = out.splitlines()
    assert lines[0] == 'Panelbot holds 2 panel round(s) about "Ada Lovelace" in T0001:'
    assert lines[1].startswith("  - Staff Engineer, started 20") and lines[1].endswith(
        ", closed: 3 panelist(s), 1 feedback"
    )
    assert "Panelbot deletes its 2 Slack message(s) about them." in out
    assert out.endswith('Erase "Ada Lovelace"? Type yes to erase: ')
    assert rounds_of(cli, "Ada Lovelace") == ada

    monkeypatch.setattr(sys, "stdin", io.StringIO("yes\n"))
    code, out, err = run_cli(capsys, "forget", "--candidate", "ADA lovelace")
    assert (code, err) == (0, "")
    report = out.split("Type yes to erase: ")[1].splitlines()
    assert report == [
        'Erased "Ada Lovelace":',
        "  2 panel rounds",
        "  6 panelists",
        "  2 feedback submissions",
        "  0 decision versions",
        "  0 scheduled reminders and tasks",
        "  0 message records",
        "  2 Slack messages (being deleted)",
        "The running Panelbot deletes the Slack messages at its next scheduler tick.",
    ]
    assert rounds_of(cli, "Ada Lovelace") == [] and rounds_of(cli, "Grace Hopper") == other
    with cli.read() as session:
        pending = session.execute(
            select(Outbox.channel_id, Outbox.payload).where(Outbox.status == "pending")
        ).all()
    assert sorted(p["ts"] for _, p in pending) == ["1.000100", "1.000200"]

    code, out, err = run_cli(capsys, "forget", "--candidate", "Ada Lovelace", "--yes")
    assert (code, out) == (2, "")
    assert err == 'panelbot: No panels of a candidate named "Ada Lovelace" in workspace T0001.\n'

    # Several workspaces: say which; --yes does not ask.
    theirs = ada_rounds(cli, 1, team="T0002")
    code, _, err = run_cli(capsys, "forget", "--candidate", "Ada Lovelace", "--yes")
    assert code == 2 and "Say which workspace with --team" in err
    code, out, _ = run_cli(
        capsys, "forget", "--candidate", "Ada Lovelace", "--team", "T0002", "--yes"
    )
    assert code == 0 and "Type yes" not in out and "  1 panel round\n" in out
    assert rounds_of(cli, "Ada Lovelace") == [] and theirs


# -- the confirmation's limits ---------------------------------------------------------------------
def closed_rounds(n: int, role_name: str, feedback: int) -> tuple[ErasableRound, ...]:
    """`n` closed rounds of a role, a day apart, 12 panelists each, to erase."""
    return tuple(
        ErasableRound(
            id=1000 + k,
            role_name=role_name,
            organizer_id=ORG,
            status=Status.CLOSED,
            started_at=WED + timedelta(days=k),
            panelists=12,
            feedback=feedback,
        )
        for k in range(n)
    )


def test_the_confirmation_fits_any_number_of_rounds() -> None:
    """Hundreds of rounds still make a valid modal (lines packed into sections) whose
    metadata stays small: it holds the newest round id, not every id."""
    rounds = closed_rounds(400, "Principal Site Reliability Engineer & <Platform>", feedback=11)
    view = forget_modal(ErasurePlan("A" * 200, rounds, messages=5000))
    assert view_errors(view) == []
    assert len(view["blocks"]) <= 100
    assert texts(view).count("&lt;Platform&gt;") == 400
    assert json.loads(view["private_metadata"]) == {"candidate": "A" * 200, "up_to": 1399}


def test_rounds_past_what_a_modal_holds_are_counted() -> None:
    """Thousands of rounds whose names escaping makes five times longer: the confirmation
    lists the oldest that fit Slack's view and counts the rest; all of them are erased."""
    rounds = closed_rounds(5000, "&" * 80, feedback=12)
    view = forget_modal(ErasurePlan("Ada", rounds, messages=1))
    assert view_errors(view) == []
    listed = texts(view).count("&amp;" * 80)
    assert 0 < listed < 5000
    assert f"…and {5000 - listed} more rounds" in texts(view)
    assert "Panelbot holds 5000 panel rounds about them" in texts(view)
    assert json.loads(view["private_metadata"])["up_to"] == 5999
