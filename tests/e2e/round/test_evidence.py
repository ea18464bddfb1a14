"""Evidence nudges end to end (issue 14), through the real HTTP app on both databases: a note
the rules point out is answered at its field, once; submitting again keeps it; only counts
stay; the workspace's own rules apply; calibration shows each interviewer's counts."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from storage.models import EvidenceFlag, Feedback
from tests.slack.state import V
from tests.support.harness import ANA, BEN, HIRING, ORG, Harness

YOUNG = "Young and energetic, would fit right in"
YOUNG_NUDGE = (
    "“Young and energetic” under Culture and team fit: rate behaviour you observed, not who "
    "they are. “fit right in” under Culture and team fit: fit means how they would work with "
    "this team, not how much they are like us. Edit, or submit again to keep it as written."
)
OBSERVED = "Paired with Ben on the flaky test, asked good questions and credited him"


def values_with(h: Harness, view: dict[str, Any], **notes: str) -> dict[str, Any]:
    """Every field filled as the harness does, with these criteria's notes instead."""
    values = h.feedback_values(view)
    for key, note in notes.items():
        values[f"evidence:{key}"] = {"value": V.text(note)}
    return values


def submit(h: Harness, user: str, view: dict[str, Any], values: dict[str, Any]) -> Any:
    reply = h.driver.view_submission(user, view, values)
    assert reply.status == 200, reply.body
    return reply.json()


def flags(h: Harness) -> list[tuple[str, str, str, bool, str | None]]:
    """(criterion, rule, outcome, holds a hash, view id) of every nudge, in order."""
    with h.db.read() as session:
        rows = session.scalars(select(EvidenceFlag).order_by(EvidenceFlag.id)).all()
        return [
            (r.criterion_key, r.rule, r.outcome, r.note_hash is not None, r.view_id) for r in rows
        ]


def stored_feedback(h: Harness) -> int:
    with h.db.read() as session:
        return session.scalar(select(func.count()).select_from(Feedback)) or 0


def flag_rows_text(h: Harness) -> str:
    with h.db.read() as session:
        rows = session.execute(select(EvidenceFlag.__table__)).all()
    return json.dumps([list(map(str, r)) for r in rows])


def test_a_flagged_note_is_pointed_out_once_and_kept_when_submitted_again(harness: Harness) -> None:
    h = harness
    h.start_round(panelists=[ANA, BEN])
    view = h.open_feedback(ANA)
    values = values_with(h, view, team_fit=YOUNG)
    body = submit(h, ANA, view, values)
    assert body == {"response_action": "errors", "errors": {"evidence:team_fit": YOUNG_NUDGE}}
    assert stored_feedback(h) == 0
    assert flags(h) == [
        ("team_fit", "age", "pending", True, view["id"]),
        ("team_fit", "likeness", "pending", True, view["id"]),
    ]
    assert "oung" not in flag_rows_text(h)  # a keyed hash, never the note

    # Ana keeps it as written: the same modal, submitted again unchanged, goes through.
    body = submit(h, ANA, view, values)
    assert body["response_action"] == "update"
    assert stored_feedback(h) == 1
    assert flags(h) == [
        ("team_fit", "age", "kept", False, None),
        ("team_fit", "likeness", "kept", False, None),
    ]
    # Nothing of the nudge reaches the hiring channel.
    channel = json.dumps(h.standin.messages_in(HIRING))
    assert "oung" not in channel and "keep it as written" not in channel


def test_an_edited_note_goes_through_and_counts_as_edited(harness: Harness) -> None:
    h = harness
    h.start_round(panelists=[ANA, BEN])
    view = h.open_feedback(ANA)
    assert submit(h, ANA, view, values_with(h, view, team_fit=YOUNG))["response_action"] == (
        "errors"
    )
    body = submit(h, ANA, view, values_with(h, view, team_fit=OBSERVED))
    assert body["response_action"] == "update"
    assert [f[:3] for f in flags(h)] == [
        ("team_fit", "age", "edited"),
        ("team_fit", "likeness", "edited"),
    ]


def test_the_second_submission_of_a_modal_is_never_stopped(harness: Harness) -> None:
    """Reworded into something the rules also point out: it goes through all the same."""
    h = harness
    h.start_round(panelists=[ANA, BEN])
    view = h.open_feedback(ANA)
    submit(h, ANA, view, values_with(h, view, depth="Great culture fit", team_fit=YOUNG))
    body = submit(h, ANA, view, values_with(h, view, depth="Seems nice", team_fit=YOUNG))
    assert body["response_action"] == "update"
    assert [f[:3] for f in flags(h)] == [
        ("depth", "verdict", "edited"),
        ("team_fit", "age", "kept"),
        ("team_fit", "likeness", "kept"),
    ]


def test_a_note_pointed_out_before_is_not_pointed_out_again_in_a_new_modal(
    harness: Harness,
) -> None:
    h = harness
    h.start_round(panelists=[ANA, BEN])
    first = h.open_feedback(ANA)
    submit(h, ANA, first, values_with(h, first, team_fit=YOUNG))
    # Ana closes the modal, opens it again from her DM, pastes the same note, and adds a
    # new one the rules point out: only the new one is shown.
    second = h.open_feedback(ANA)
    assert second["id"] != first["id"]
    body = submit(h, ANA, second, values_with(h, second, team_fit=YOUNG, depth="Not a fit"))
    assert body["errors"] == {
        "evidence:depth": "“Not a fit” under Depth of skills and experience: a verdict says "
        "nothing another reader can check; say what they did or said that shows it. Edit, or "
        "submit again to keep it as written."
    }
    body = submit(h, ANA, second, values_with(h, second, team_fit=YOUNG, depth=OBSERVED))
    assert body["response_action"] == "update"
    assert [f[:3] for f in flags(h)] == [
        ("team_fit", "age", "kept"),
        ("team_fit", "likeness", "kept"),
        ("depth", "verdict", "edited"),
    ]
    # Editing her feedback later leaves the note she kept alone.
    third = h.open_feedback(ANA)
    values = values_with(h, third, team_fit=YOUNG, depth=OBSERVED)
    values["recommendation"] = {"value": V.radio("2")}
    assert submit(h, ANA, third, values)["response_action"] == "update"
    assert len(flags(h)) == 3


def test_the_workspace_rules_apply(harness: Harness) -> None:
    h = harness
    h.services.evidence.import_yaml(
        "T0001",
        "rules:\n- key: jargon\n  kind: words\n  why: say what they did.\n  phrases: [synerg*]\n",
        by="test",
    )
    h.start_round(panelists=[ANA, BEN])
    view = h.open_feedback(ANA)
    body = submit(h, ANA, view, values_with(h, view, team_fit=YOUNG, scenario="Synergies"))
    assert body["errors"] == {
        "evidence:scenario": "“Synergies” under Role-specific scenario: say what they did. "
        "Edit, or submit again to keep it as written."
    }
    h.services.evidence.import_yaml("T0001", "rules: []\n", by="test")
    other = h.open_feedback(BEN)
    body = submit(h, BEN, other, values_with(h, other, team_fit=YOUNG, scenario="Synergies"))
    assert body["response_action"] == "update"


def test_calibration_counts_the_notes_pointed_out_and_kept(harness: Harness) -> None:
    h = harness
    h.start_round(panelists=[ANA, BEN])
    view = h.open_feedback(ANA)
    values = values_with(h, view, team_fit=YOUNG, depth="Great culture fit")
    submit(h, ANA, view, values)
    submit(h, ANA, view, values_with(h, view, team_fit=YOUNG, depth=OBSERVED))
    # Sealed: an open round's counts are not shown.
    assert _calibration_row(h, "Ana Tanaka") is None
    h.give_feedback(BEN)
    h.wait_for(h.thread, "the summary")
    assert _calibration_row(h, "Ana Tanaka") == "2 of 5, 1 kept"
    assert _calibration_row(h, "Ben Miller") == "0 of 5"


def _calibration_row(h: Harness, name: str) -> str | None:
    """The person's "Notes pointed out" cell in /panel calibration (None: not listed)."""
    before = len(h.standin.responses)
    reply = h.driver.command(ORG, "calibration", channel_id=HIRING, channel_name="hiring")
    assert reply.status == 200
    [answer] = h.wait_for(lambda: h.standin.responses[before:], "the calibration")
    tables = [b for b in answer.get("blocks") or [] if b["type"] == "table"]
    if not tables:
        return None
    rows = [[cell["text"] for cell in row] for row in tables[0]["rows"]]
    column = rows[0].index("Notes pointed out")
    return next((row[column] for row in rows[1:] if row[0] == name), None)
