"""A whole round through the real HTTP app: /panel new → briefs → feedback → one summary."""

from __future__ import annotations

from functools import partial

from tests.support.harness import ANA, CY, HIRING, PANEL, Harness, has_button


def announced_count(h: Harness, n: int) -> bool:
    """The announcement counts `n` of the panel's 3 submissions."""
    return f"{n} of 3 submitted" in str((h.announcement() or {}).get("blocks"))


def test_whole_round(harness: Harness) -> None:
    h = harness
    h.start_round()
    announcement = h.announcement()
    assert announcement is not None
    assert "0 of 3 submitted" in str(announcement["blocks"])
    assert "<!date^" in str(announcement["blocks"])
    brief = h.dm(ANA)
    assert brief is not None
    assert "Why did they leave Acme" in str(brief["blocks"])
    assert "Depth of skills" in str(brief["blocks"])

    for n, user in enumerate(PANEL, start=1):
        reply = h.give_feedback(user, ratings=(3, 3, 4 if user == CY else 3, 2, 3))
        assert reply.status == 200, reply.body
        assert reply.json()["response_action"] == "update"
        h.wait_for(partial(announced_count, h, n), f"{n} of 3 on the announcement")
        if n < 3:
            assert h.thread() == []  # sealed: no summary yet
            assert "mean" not in str((h.announcement() or {})["blocks"])

    summary = h.wait_for(lambda: h.thread(), "the summary")[0]
    text = str(summary["blocks"])
    assert "Panel summary: Ada Lovelace" in text
    assert "Overall" in text and "table" in text
    assert has_button(summary, "see_notes")
    h.wait_for(lambda: "Complete" in str((h.announcement() or {})["blocks"]), "complete")
    # The panelist's DM now offers to edit.
    h.wait_for(lambda: has_button(h.dm(ANA) or {}, "give_feedback"), "edit button")
    assert "Edit my feedback" in str((h.dm(ANA) or {})["blocks"])
    assert len(h.thread()) == 1
    assert len([m for m in h.standin.messages_in(HIRING) if not m.get("thread_ts")]) == 1
    assert h.standin.warnings == []
