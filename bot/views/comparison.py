"""A role's candidates side by side: one table row per candidate on the role's rubric, the
themes of what candidates asked, and how much the panels agree.

Slack's limits shape it: a table holds at most 100 rows (a header and 99 candidates, so the
comparison is paged) and a message's blocks hold at most ~12,000 characters in all
(msg_blocks_too_long, undocumented). The view stays under TEXT_BUDGET by shortening, in
this order, the theme examples, then the table's cells (shorter candidate names, compact
recommendation tallies and flags); it never drops a candidate from its page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_sdk.models.blocks import Block, RawTextObject, TableBlock

from bot.codec import BUTTON_VALUE_MAX, ComparePage, CompareState, encode
from bot.domain.calibration import MIN_ROUNDS
from bot.domain.comparison import CandidateRow, Comparison
from bot.domain.decision import Outcome
from bot.domain.message import Message
from bot.domain.rubric import Rubric
from bot.domain.themes import ThemeCount
from bot.text import escape, mention, truncate
from bot.views import ids
from bot.views.common import (
    SECTION_TEXT_MAX,
    actions,
    button,
    context,
    header,
    md,
    message,
    pack_sections,
)
from bot.views.digest import name_list

ROWS_PER_PAGE = 99  # + the header row = Slack's 100-row table limit
TABLE_COLUMNS_MAX = 20  # Slack's limit on a table's cells per row
# Candidate, Overall, Recs, Flags, Doubts, Decision: besides one column per criterion.
FIXED_COLUMNS = 6
# Slack refuses a message whose blocks hold too much text (msg_blocks_too_long, reported
# near 12,000 characters); table cells are counted too. Stay well below.
TEXT_BUDGET = 9000
# The longest criterion key a comparison's buttons carry: the rest of their value (role,
# view, page) takes under 100 characters.
STATE_MAX = BUTTON_VALUE_MAX - 100
CRITERION_SHORT = 18
NO_SCORE = "—"
THEMES_SHOWN = 10

THEME_LABELS = {
    "pay": "Pay",
    "growth": "Growth",
    "team": "Team",
    "product": "Product",
    "process": "Process",
    "other": "Other",
}
RECS_SHORT = {4: "SY", 3: "Y", 2: "N", 1: "SN"}
# The decision column: short, the table is wide already.
DECISIONS_SHORT: dict[str, str] = {
    Outcome.ADVANCE: "Advance",
    Outcome.ANOTHER_INTERVIEW: "Another interview",
    Outcome.HOLD: "Hold",
    Outcome.REJECT: "Reject",
}


@dataclass(frozen=True)
class _Cells:
    """How much of each table cell to show."""

    name_max: int
    compact: bool  # "2/1/0/0" tallies and counted (not named) disagreements
    partial: str = " (partial)"  # after the name of a round closed before everyone submitted


@dataclass(frozen=True)
class _Themes:
    examples: int  # shown per theme
    example_max: int  # characters per example


# Tried in order until the message fits TEXT_BUDGET: theme examples shrink first.
_THEME_LEVELS = (_Themes(3, 120), _Themes(2, 60), _Themes(1, 40), _Themes(0, 0))
_CELL_LEVELS = (
    _Cells(48, False),
    _Cells(32, False),
    _Cells(32, True),
    _Cells(24, True),
    _Cells(16, True),
    # 99 rows of 120-character names, every flag, on an 8-criterion rubric:
    _Cells(12, True, " (p)"),
)

L = TypeVar("L")
_TEXT_TYPES = ("mrkdwn", "plain_text", "raw_text")


# --- shared with bot.views.calibration -------------------------------------------------


def text_size(node: object) -> int:
    """Characters of text in rendered blocks: mrkdwn, plain_text and table raw_text."""
    if isinstance(node, list):
        return sum(text_size(item) for item in node)
    if not isinstance(node, dict):
        return 0
    text = node.get("text")
    own = len(text) if node.get("type") in _TEXT_TYPES and isinstance(text, str) else 0
    return own + sum(text_size(value) for value in node.values())


def blocks_text_size(blocks: Sequence[Block]) -> int:
    """text_size of the blocks' dicts. A table of raw-text cells is counted from its cells:
    fit measures every level it tries, and to_dict of a 100-row table was most of a
    comparison's rendering (docs/performance.md)."""
    return sum(_block_text_size(block) for block in blocks)


def _block_text_size(block: Block) -> int:
    if isinstance(block, TableBlock) and block.rows:
        cells = [cell for row in block.rows for cell in row]
        texts = [cell.text for cell in cells if isinstance(cell, RawTextObject)]
        if len(texts) == len(cells) and all(isinstance(text, str) for text in texts):
            return sum(len(text) for text in texts)
    return text_size(block.to_dict())


def fit(render: Callable[[L], list[Block]], levels: Sequence[L], budget: int) -> list[Block]:
    """The blocks of the first level whose text fits `budget`; the last level's otherwise."""
    blocks: list[Block] = []
    for level in levels:
        blocks = render(level)
        if blocks_text_size(blocks) <= budget:
            break
    return blocks


def agreement_reading(alpha: float | None) -> str:
    """Krippendorff's alpha with a plain reading (Krippendorff's own thresholds)."""
    if alpha is None:
        return "not enough overlapping ratings yet"
    if alpha >= 0.8:
        reading = "good: the panel rates consistently"
    elif alpha >= 0.667:
        reading = "tentative: the panel mostly agrees"
    else:
        reading = "low: the panel often disagrees"
    return f"{alpha:.2f} — {reading}"


def pack(title: str, lines: list[str], tail: str | None = None) -> list[str]:
    """Section texts of at most SECTION_TEXT_MAX: the title, then the lines, then the tail."""
    return pack_sections(title, [truncate(line, SECTION_TEXT_MAX // 2) for line in lines], tail)


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# --- the comparison ---------------------------------------------------------------------


def pages(comparison: Comparison) -> int:
    return max(1, -(-len(comparison.rows) // ROWS_PER_PAGE))


def short_name(name: str, limit: int = CRITERION_SHORT) -> str:
    """A criterion name cut at a word boundary: "Culture and team fit" → "Culture and team…"."""
    if len(name) <= limit:
        return name
    words = name.split()
    kept = ""
    for word in words:
        candidate = f"{kept} {word}" if kept else word
        if len(candidate) > limit - 1:
            break
        kept = candidate
    return f"{kept}…" if kept else truncate(name, limit)


def score(value: float | None) -> str:
    return NO_SCORE if value is None else f"{value:.1f}"


def comparison_message(comparison: Comparison, page: int, state: CompareState) -> Message:
    """Page `page` (clamped to the pages there are) of the comparison.

    `state` rebuilds the comparison (role, sort, calibration); its sort is at most STATE_MAX
    characters (ValueError otherwise). Buttons carry it with a page (bot.codec.ComparePage):
    Previous/Next (ids.COMPARE_PAGE) the page to show, the toggle (ids.COMPARE_CALIBRATED)
    page 0 and the state as it is: its handler flips the calibration.
    """
    sort = state.sort or ""
    if len(sort) > STATE_MAX:
        raise ValueError(f"state sorts by {len(sort)} characters; at most {STATE_MAX} fit")
    if len(comparison.rubric.criteria) + FIXED_COLUMNS > TABLE_COLUMNS_MAX:
        raise ValueError(f"{len(comparison.rubric.criteria)} criteria do not fit a Slack table")
    page = min(max(page, 0), pages(comparison) - 1)
    shown = comparison.rows[page * ROWS_PER_PAGE : (page + 1) * ROWS_PER_PAGE]
    levels = [(t, _CELL_LEVELS[0]) for t in _THEME_LEVELS]
    levels += [(_THEME_LEVELS[-1], cells) for cells in _CELL_LEVELS[1:]]

    # The first levels shrink only the themes: their table is the same, built once.
    tables: dict[_Cells, TableBlock] = {}

    def table(cells: _Cells) -> TableBlock:
        if cells not in tables:
            tables[cells] = _table(comparison.rubric, shown, cells)
        return tables[cells]

    def render(level: tuple[_Themes, _Cells]) -> list[Block]:
        return _blocks(comparison, page, shown, state, *level, table)

    blocks = fit(render, levels, TEXT_BUDGET)
    if comparison.rows:
        first = page * ROWS_PER_PAGE + 1
        where = f"{len(comparison.rows)} candidates, {first}–{first + len(shown) - 1} shown"
        if len(comparison.rows) == 1:
            where = "1 candidate"
    else:
        where = "no candidates yet"
    text = f"Comparison for {escape(comparison.role_name)}: {where}"
    return message(text, blocks)


def _blocks(
    comparison: Comparison,
    page: int,
    shown: Sequence[CandidateRow],
    state: CompareState,
    themes: _Themes,
    cells: _Cells,
    table: Callable[[_Cells], TableBlock] | None = None,  # the table of these cells, if kept
) -> list[Block]:
    blocks: list[Block] = [
        header(f"Compare: {comparison.role_name}"),
        context(_about(comparison, page, shown)),
    ]
    if comparison.other_rubric_rounds:
        n = comparison.other_rubric_rounds
        are, their = ("is", "its") if n == 1 else ("are", "their")
        blocks.append(
            context(
                f"{plural(n, 'round')} on another rubric version {are} not compared: "
                f"{their} criteria differ."
            )
        )
    if comparison.calibrated:
        blocks.append(context(_calibration_note(comparison)))
    if not shown:
        blocks.append(md("No finished rounds on this rubric to compare yet."))
    else:
        blocks.append(table(cells) if table else _table(comparison.rubric, shown, cells))
        legend = "SY strong yes · Y yes · N no · SN strong no"
        partial = ""
        if any(row.partial for row in shown):
            partial = f"{cells.partial.strip()}: closed before everyone submitted. "
        blocks.append(
            context(
                f"Overall: the mean of the criterion means (1–4). Recs: {legend}. "
                "Flags: split recommendation, a Strong no, criteria the panel disagrees on. "
                "Doubts: round-1 doubts not resolved. Decision: the latest one recorded. "
                f"{partial}".rstrip()
            )
        )
    blocks += [md(text) for text in _theme_texts(comparison.themes, themes)]
    blocks.append(
        md(
            "*Panel agreement* (Krippendorff's α, ordinal): "
            + escape(agreement_reading(comparison.agreement))
        )
    )
    buttons = []
    if page > 0:
        buttons.append(button("Previous", ids.COMPARE_PAGE_PREV, _page(state, page - 1)))
    if page < pages(comparison) - 1:
        buttons.append(button("Next", ids.COMPARE_PAGE_NEXT, _page(state, page + 1)))
    if comparison.rows:
        toggle = "As rated" if comparison.calibrated else "Calibrated view"
        buttons.append(button(toggle, ids.COMPARE_CALIBRATED, _page(state, 0)))
    if buttons:
        blocks.append(actions(*buttons))
    return blocks


def _page(state: CompareState, page: int) -> str:
    return encode(ComparePage(**state.model_dump(), page=page))


def _about(comparison: Comparison, page: int, shown: Sequence[CandidateRow]) -> str:
    rubric = f"{escape(comparison.rubric.name)} v{comparison.rubric.version}"
    if comparison.sort_by is None:
        sort = "by overall score"
    else:
        criterion = comparison.rubric.criterion(comparison.sort_by)
        sort = f"by {escape(criterion.name if criterion else comparison.sort_by)}"
    view = "calibrated" if comparison.calibrated else "as rated"
    if not comparison.rows:
        where = "no candidates"
    else:
        first = page * ROWS_PER_PAGE + 1
        where = f"candidates {first}–{first + len(shown) - 1} of {len(comparison.rows)}"
    return " · ".join((rubric, sort, view, where))


def _calibration_note(comparison: Comparison) -> str:
    adjusted = [mention(u) for u in comparison.calibrated_interviewers]
    as_rated = [mention(u) for u in comparison.uncalibrated_interviewers]
    parts = []
    if adjusted:
        parts.append(f"Adjusted for leniency: {name_list(adjusted)}.")
    else:
        parts.append(f"No interviewer has {MIN_ROUNDS} rounds yet: nothing adjusted.")
    if as_rated:
        parts.append(f"Left as rated (fewer than {MIN_ROUNDS} rounds): {name_list(as_rated)}.")
    return " ".join(parts)


def _table(rubric: Rubric, rows: Sequence[CandidateRow], cells: _Cells) -> TableBlock:
    head = [
        "Candidate",
        "Overall",
        *(short_name(cr.name) for cr in rubric.criteria),
        "Recs SY/Y/N/SN" if cells.compact else "Recs",
        "Flags",
        "Doubts",
        "Decision",
    ]
    table = [head] + [_cells(rubric, row, cells) for row in rows]
    numbers: dict[str, Any] = {"align": "right"}
    settings = [{"is_wrapped": True}, *([numbers] * (1 + len(rubric.criteria)))]
    settings += [{"is_wrapped": False}, {"is_wrapped": True}, numbers, {"is_wrapped": True}]
    return TableBlock(
        rows=[[RawTextObject(text=cell) for cell in row] for row in table],
        column_settings=settings,
    )


def _cells(rubric: Rubric, row: CandidateRow, cells: _Cells) -> list[str]:
    name = truncate(row.round.candidate_name.strip() or "(no name)", cells.name_max)
    if row.partial:
        name += cells.partial
    if cells.compact:
        recs = "/".join(str(row.tally.get(n, 0)) for n in RECS_SHORT)
    else:
        recs = " · ".join(f"{row.tally.get(n, 0)} {short}" for n, short in RECS_SHORT.items())
    return [
        name,
        score(row.overall),
        *(score(row.means.get(cr.key)) for cr in rubric.criteria),
        recs,
        _flags(rubric, row, cells.compact) or NO_SCORE,
        str(row.unresolved),
        DECISIONS_SHORT.get(row.decision or "", NO_SCORE),
    ]


def _flags(rubric: Rubric, row: CandidateRow, compact: bool) -> str:
    flags = []
    if row.split_recommendation:
        flags.append("split")
    if row.strong_no:
        flags.append("SN" if compact else "Strong no")
    if row.disagreements:
        if compact:
            flags.append(f"disagree: {len(row.disagreements)}")
        else:
            names = []
            for key in row.disagreements:
                criterion = rubric.criterion(key)
                names.append(short_name(criterion.name if criterion else key))
            flags.append("disagree: " + ", ".join(names))
    return ", ".join(flags)


def _theme_texts(themes: Sequence[ThemeCount], level: _Themes) -> list[str]:
    if not themes:
        return []
    lines = [_theme_line(t, level) for t in themes[:THEMES_SHOWN]]
    hidden = len(themes) - THEMES_SHOWN
    tail = f"…and {plural(hidden, 'more theme')}" if hidden > 0 else None
    return pack("*What candidates asked about*", lines, tail)


def _theme_line(theme: ThemeCount, level: _Themes) -> str:
    label = THEME_LABELS.get(theme.theme) or escape(theme.theme.capitalize())
    line = f"• *{label}* — {plural(theme.candidates, 'candidate')}"
    examples = [
        "“" + escape(truncate(" ".join(e.split()), level.example_max)) + "”"
        for e in theme.examples[: level.examples]
        if e.strip()
    ]
    if examples:
        line += ": " + ", ".join(examples)
    return line
