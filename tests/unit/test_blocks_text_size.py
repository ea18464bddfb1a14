"""fit's text count (blocks_text_size) counts a table from its cells; it must say what
text_size says of the blocks as Slack gets them, or the comparison would shorten at other
levels than before."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.codec import CompareState
from bot.domain.rubric import SECOND_INTERVIEW
from bot.views.comparison import _CELL_LEVELS, _THEME_LEVELS, _blocks, blocks_text_size, text_size
from tests.support.comparisons import LONG_THEMES, a_comparison, worst_comparison, worst_rows


def every_level(blocks_of: list[list[Block]]) -> None:
    for blocks in blocks_of:
        assert blocks_text_size(blocks) == text_size([b.to_dict() for b in blocks])


def test_counts_as_the_rendered_dicts_at_every_level() -> None:
    state = CompareState(role=7, calibrated=True)
    worst = worst_comparison(
        SECOND_INTERVIEW, worst_rows(SECOND_INTERVIEW), interviewers=40, calibrated=True
    )
    for comparison in (worst, a_comparison(3, themes=LONG_THEMES), a_comparison(0)):
        shown = comparison.rows[:99]
        every_level(
            [
                _blocks(comparison, 0, shown, state, themes, cells)
                for themes in _THEME_LEVELS
                for cells in _CELL_LEVELS
            ]
        )
