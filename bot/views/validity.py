"""The validity report of a role, for the requester alone (an ephemeral reply): a table of
the overall score and each criterion against each outcome (r, its 95 % interval and n, or
how many more pairs it needs), each row beside its inter-rater agreement; the criteria whose
ratings go against how people did; the note on range restriction."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block, RawTextObject, TableBlock

from bot.domain.message import Message
from bot.domain.validity import AGAINST, MIN_PAIRS, Correlation, OutcomeKind, ValidityTable
from bot.text import escape, truncate
from bot.views.common import context, md, message

NAME_SHOWN = 60
NO_ALPHA = "—"


def cell(correlation: Correlation) -> str:
    """One correlation in a table cell: short, as the reading is long."""
    if correlation.needed:
        return f"n = {correlation.n}: {correlation.needed} more needed"
    if correlation.r is None or correlation.low is None or correlation.high is None:
        return "no spread"
    return correlation.reading()


def validity_table_block(table: ValidityTable) -> TableBlock:
    head = ["Score", "Agreement (α)", *(k.label for k in OutcomeKind)]
    rows = [head]
    for row in table.rows:
        alpha = NO_ALPHA if row.alpha is None else f"{row.alpha:.2f}"
        name = ("⚠ " if row.against else "") + truncate(row.name, NAME_SHOWN)
        rows.append([name, alpha, *(cell(c) for c in row.correlations)])
    settings: list[dict[str, Any]] = [{"is_wrapped": True}, {"align": "right"}]
    settings += [{"is_wrapped": True}] * len(OutcomeKind)
    return TableBlock(
        rows=[[RawTextObject(text=text) for text in row] for row in rows],
        column_settings=settings,
    )


def validity_message(role_name: str, table: ValidityTable, *, chart: bool = False) -> Message:
    name = escape(truncate(role_name, NAME_SHOWN))
    if not table.rounds:
        text = f"*{name}*: no finished round with ratings yet, so nothing to compare outcomes with."
        return message(f"Validity of {name}: nothing yet", [md(text)])
    known = ", ".join(f"{k.label.lower()} {table.with_outcome[k]}" for k in OutcomeKind)
    blocks: list[Block] = [
        md(
            f"*Do the {name} panels predict what happened next?* {table.rounds} finished "
            f"rounds with ratings; outcomes known: {known}."
        ),
        validity_table_block(table),
    ]
    short = [k for k in OutcomeKind if table.with_outcome[k] < MIN_PAIRS]
    if short:
        lines = [
            f"• {k.label}: {table.with_outcome[k]} known, {MIN_PAIRS - table.with_outcome[k]} "
            "more needed"
            for k in short
        ]
        blocks.append(
            md(
                f"*Too few to say yet* (a correlation needs {MIN_PAIRS} pairs):\n"
                + "\n".join(lines)
            )
        )
    against = [row for row in table.rows if row.against]
    if against:
        blocks.append(
            md("\n".join(f":warning: *{escape(row.name)}*: {AGAINST}." for row in against))
        )
    notes = [escape(note) for note in table.notes]
    notes.append(
        "r with its 95 % interval: Spearman for performance (1–4), point-biserial for yes/no. "
        "Agreement is Krippendorff's α of the panels' ratings."
    )
    if chart:
        notes.append("The chart is in your DM.")
    blocks.append(context(*notes))
    return message(f"Validity of {name}", blocks)


def validity_text(role_name: str, table: ValidityTable) -> str:
    """The report as plain text, for the CLI: one block per score, a line per outcome."""
    lines = [f"{role_name}: {table.rounds} finished rounds with ratings"]
    for row in table.rows:
        alpha = NO_ALPHA if row.alpha is None else f"{row.alpha:.2f}"
        flag = f"  !! {AGAINST}" if row.against else ""
        lines.append(f"\n{row.name} (agreement α {alpha}){flag}")
        lines += [f"  {c.kind.label}: {c.reading()}" for c in row.correlations]
    lines += ["", *table.notes]
    return "\n".join(lines) + "\n"
