"""A candidates × criteria heatmap of mean ratings, as PNG bytes.

Pure rendering: no Slack, no database. Uses matplotlib's object API (`Figure` with the Agg
canvas) and never pyplot, whose global figure registry is not thread-safe. The layout is
computed in inches, so labels are never cut off and the picture stays readable at Slack's
preview sizes (it is 900 or 1000 px wide; fonts are 10 pt or more). User text (names, criteria,
title, note) is drawn as plain text: "$" never starts mathtext. Output is deterministic
for given inputs (no timestamps or software version in the PNG).
"""

from __future__ import annotations

import functools
import io
import math
import threading
from collections.abc import Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.textpath import TextToPath

MAX_ROWS = 40
MAX_NAME_CHARS = 30
MAX_CRITERION_CHARS = 40
SCALE_MIN, SCALE_MAX = 1.0, 4.0
SCALE_LABELS = ("1 Strong no", "2 No", "3 Yes", "4 Strong yes")
MISSING_TEXT = "—"

DPI = 100
# Inches (900 or 1000 px), scaled down to Slack's 360–640 px previews.
FIG_WIDTH = 9.0
FIG_WIDTHS = (FIG_WIDTH, 10.0)
ROW_HEIGHT = 0.42
MARGIN = 0.25
TITLE_PT = 15.0
NOTE_PT = 11.0
LABEL_PT = 12.0
CELL_PT = 12.0
COLORBAR_HEIGHT = 0.22
MAX_LABEL_LINES = 3
MIN_LABEL_COLUMN = 0.75  # inches; narrower columns get upright labels
MAX_CELL_WIDTH = 1.6

MISSING_COLOUR = "#d9d9d9"
MISSING_TEXT_COLOUR = "#595959"
NOTE_COLOUR = "#555555"
COLORMAP = "RdYlGn"  # diverging: red for no, yellow at the 2.5 middle, green for yes


def heatmap_png(
    candidates: Sequence[str],
    criteria: Sequence[str],
    means: Sequence[Sequence[float | None]],
    *,
    title: str,
    note: str | None = None,
) -> bytes:
    """The heatmap as PNG bytes; never raises for odd input.

    Rows are `candidates` in the order given (best first), columns `criteria`, cells
    `means[row][column]` on the 1–4 scale (None: no rating, a grey "—"). At most
    `MAX_ROWS` rows are drawn; the note then says how many more were left out. Rows of
    `means` that are short are padded with None.
    """
    names = [_name(candidate) for candidate in candidates[:MAX_ROWS]]
    hidden = max(len(candidates) - MAX_ROWS, 0)
    notes = [_plain(note)] if note and _plain(note) else []
    if hidden:
        notes.append(f"+{hidden} more not shown")
    if not names or not criteria:
        return _empty_png(_plain(title), " · ".join(notes))
    values = np.full((len(names), len(criteria)), np.nan)
    for row in range(len(names)):
        cells = means[row] if row < len(means) else ()
        for column in range(min(len(criteria), len(cells))):
            values[row, column] = _number(cells[column])
    return _render(_plain(title), " · ".join(notes), names, [_plain(c) for c in criteria], values)


# ---- layout and drawing ----------------------------------------------------------------


def _render(
    title: str, note: str, names: list[str], criteria: list[str], values: np.ndarray
) -> bytes:
    rows, columns = values.shape
    left = MARGIN + max(_text_width(name, LABEL_PT) for name in names) + 0.12
    # The narrower figure, unless only the wider one fits the criteria labels whole.
    layouts = [_columns_layout(width, left, criteria) for width in FIG_WIDTHS]
    fig_width, grid_width, labels, label_pt, kind = next(
        (layout for layout in layouts if layout[4] == "wrapped"), layouts[0]
    )
    column_width = grid_width / columns
    rotated = kind == "upright"
    if rotated:
        header = max(_text_width(label, label_pt) for label in labels) + 0.15
    else:
        header = max(_lines_height(label, label_pt) for label in labels) + 0.1
    title_lines = _wrap_to_width(title, TITLE_PT, fig_width - 2 * MARGIN, max_lines=2)
    note_lines = _wrap_to_width(note, NOTE_PT, fig_width - 2 * MARGIN, max_lines=2) if note else ""
    top = MARGIN + _lines_height(title_lines, TITLE_PT)
    if note_lines:
        top += 0.06 + _lines_height(note_lines, NOTE_PT)
    top += 0.2
    grid_height = rows * ROW_HEIGHT
    colorbar_block = 0.35 + COLORBAR_HEIGHT + LABEL_PT * 1.6 / 72
    height = top + header + grid_height + colorbar_block + MARGIN

    fig = Figure(figsize=(fig_width, height), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)  # attaches itself as fig.canvas; pyplot is never involved

    # Title and note, left-aligned with the figure margin.
    y = height - MARGIN
    fig.text(
        MARGIN / fig_width,
        y / height,
        title_lines,
        fontsize=TITLE_PT,
        fontweight="bold",
        va="top",
        ha="left",
        parse_math=False,
    )
    if note_lines:
        y -= _lines_height(title_lines, TITLE_PT) + 0.06
        fig.text(
            MARGIN / fig_width,
            y / height,
            note_lines,
            fontsize=NOTE_PT,
            color=NOTE_COLOUR,
            va="top",
            ha="left",
            parse_math=False,
        )

    grid_bottom = colorbar_block + MARGIN
    ax = fig.add_axes(
        (left / fig_width, grid_bottom / height, grid_width / fig_width, grid_height / height)
    )
    # A colormap and norm of its own: artists register callbacks on them, so shared
    # module-level ones would be mutated by concurrent renders.
    cmap = colormaps[COLORMAP].with_extremes(bad=MISSING_COLOUR)
    norm = Normalize(vmin=SCALE_MIN, vmax=SCALE_MAX)  # centred at 2.5
    image = ax.imshow(
        np.ma.masked_invalid(values),
        cmap=cmap,
        norm=norm,
        aspect="auto",
        interpolation="nearest",
    )
    # White lines between cells.
    ax.set_xticks(np.arange(columns + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(rows + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="both", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)

    ax.set_yticks(range(rows), labels=names, fontsize=LABEL_PT, parse_math=False)
    ax.xaxis.tick_top()
    ax.set_xticks(
        range(columns),
        labels=labels,
        fontsize=label_pt,
        rotation=90 if rotated else 0,
        ha="center",
        va="bottom",
        parse_math=False,
    )
    ax.tick_params(axis="x", pad=4)
    ax.tick_params(axis="y", pad=6)

    cell_pt = CELL_PT if column_width >= 0.5 else 10.0
    for row in range(rows):
        for column in range(columns):
            value = values[row, column]
            missing = math.isnan(value)
            ax.text(
                column,
                row,
                MISSING_TEXT if missing else f"{value:.1f}",
                ha="center",
                va="center",
                fontsize=cell_pt,
                color=MISSING_TEXT_COLOUR if missing else _text_colour(cmap(norm(value))),
                parse_math=False,
            )

    # The colour scale: a horizontal bar under the grid, at most 5 in wide, with room
    # for its end labels inside the figure.
    inset = 0.75
    bar_width = min(5.0, fig_width - 2 * (MARGIN + inset))
    bar_left = left + (grid_width - bar_width) / 2
    bar_left = min(max(bar_left, MARGIN + inset), fig_width - MARGIN - inset - bar_width)
    bar_ax = fig.add_axes(
        (
            bar_left / fig_width,
            (MARGIN + LABEL_PT * 1.6 / 72) / height,
            bar_width / fig_width,
            COLORBAR_HEIGHT / height,
        )
    )
    colorbar = fig.colorbar(image, cax=bar_ax, orientation="horizontal")
    colorbar.set_ticks([1, 2, 3, 4], labels=list(SCALE_LABELS), fontsize=LABEL_PT - 1)
    colorbar.outline.set_visible(False)
    bar_ax.tick_params(length=3)

    return _png(fig)


def _columns_layout(
    fig_width: float, left: float, criteria: list[str]
) -> tuple[float, float, list[str], float, str]:
    """For a figure `fig_width` inches wide: it, the grid's width and the column labels."""
    grid_width = min(fig_width - left - MARGIN, len(criteria) * MAX_CELL_WIDTH)
    labels, label_pt, kind = _column_labels(criteria, grid_width / len(criteria))
    return fig_width, grid_width, labels, label_pt, kind


def _empty_png(title: str, note: str) -> bytes:
    """No candidates or no criteria: the title and a short explanation."""
    title_lines = _wrap_to_width(title, TITLE_PT, FIG_WIDTH - 2 * MARGIN, max_lines=2)
    height = 2.0 + _lines_height(title_lines, TITLE_PT)
    fig = Figure(figsize=(FIG_WIDTH, height), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)  # attaches itself as fig.canvas; pyplot is never involved
    fig.text(
        MARGIN / FIG_WIDTH,
        1 - MARGIN / height,
        title_lines,
        fontsize=TITLE_PT,
        fontweight="bold",
        va="top",
        ha="left",
        parse_math=False,
    )
    message = "No ratings to show yet." + (f"\n{note}" if note else "")
    fig.text(
        0.5,
        0.4,
        message,
        fontsize=LABEL_PT,
        color=NOTE_COLOUR,
        ha="center",
        va="center",
        parse_math=False,
    )
    return _png(fig)


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    # Agg (the figure's canvas); no "Software" (version) chunk: same input, same bytes.
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _text_colour(rgba: tuple[float, float, float, float]) -> str:
    """Black on the light middle of the colormap, white on its dark ends."""
    red, green, blue, _ = rgba
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "black" if luminance > 0.45 else "white"


# ---- text ------------------------------------------------------------------------------


def _column_labels(criteria: list[str], column_width: float) -> tuple[list[str], float, str]:
    """Criterion names wrapped to their column: at most 3 lines, between words at 12 pt
    down to 10 pt, else with long words hyphenated at 10 pt; in columns too narrow for
    that, shortened and turned upright. Returns the labels, their size in points and
    which of "wrapped", "hyphenated" or "upright" they are."""
    if column_width < MIN_LABEL_COLUMN:
        return [_shorten(c, 24) for c in criteria], LABEL_PT - 1, "upright"
    width = column_width - 0.08
    shortened = [_shorten(c, MAX_CRITERION_CHARS) for c in criteria]
    for points in (LABEL_PT, LABEL_PT - 1, LABEL_PT - 2):
        wrapped = [_wrap(c, points, width, MAX_LABEL_LINES) for c in shortened]
        if all(fits for _, fits in wrapped):
            return ["\n".join(lines) for lines, _ in wrapped], points, "wrapped"
    wrapped = [_wrap(c, points, width, MAX_LABEL_LINES, hyphenate=True) for c in shortened]
    return ["\n".join(lines) for lines, _ in wrapped], points, "hyphenated"


def _wrap(
    text: str, points: float, width: float, max_lines: int, *, hyphenate: bool = False
) -> tuple[list[str], bool]:
    """`text` broken between words into lines no wider than `width` inches, at most
    `max_lines` of them (the last ending in "…" if there was more), and whether every word
    fitted. A word wider than `width` is hyphenated if asked, else cut short with "…"."""
    words: list[str] = []
    for word in text.split():
        words.extend(_hyphenated(word, points, width) if hyphenate else [word])
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if not current or _text_width(candidate, points) <= width:
            current = candidate
        else:
            lines.append(current)
            current = word
    lines.append(current)
    fits = all(_text_width(line, points) <= width for line in lines)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], lines[max_lines - 1] + "…"]
    return [_clip(line, points, width) for line in lines], fits


def _hyphenated(word: str, points: float, width: float) -> list[str]:
    """`word` in pieces no wider than `width`, all but the last ending in "-"; no piece
    shorter than 3 letters (a piece that is still too wide is cut short later)."""
    pieces: list[str] = []
    while len(word) >= 6 and _text_width(word, points) > width:
        cut = max(_longest_prefix(word[: len(word) - 3], "-", points, width), 3)
        pieces.append(word[:cut] + "-")
        word = word[cut:]
    return [*pieces, word]


def _clip(line: str, points: float, width: float) -> str:
    """`line`, cut short with "…" if it is wider than `width` inches."""
    if _text_width(line, points) <= width:
        return line
    cut = max(_longest_prefix(line, "…", points, width), 1)
    return line[:cut].rstrip() + "…"


def _longest_prefix(text: str, suffix: str, points: float, width: float) -> int:
    """The length of the longest prefix of `text` that fits `width` with `suffix` added."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if _text_width(text[:middle] + suffix, points) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def _wrap_to_width(text: str, points: float, width: float, max_lines: int) -> str:
    return "\n".join(_wrap(text, points, width, max_lines)[0]) if text else ""


def _lines_height(text: str, points: float) -> float:
    return (text.count("\n") + 1) * points * 1.25 / 72


def _name(candidate: object) -> str:
    return _shorten(_plain(candidate), MAX_NAME_CHARS) or "?"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _plain(text: object) -> str:
    """User text on one line, with glyphs the font lacks replaced (no tofu, no warnings)."""
    flat = " ".join(str(text if text is not None else "").split())
    covered = _covered_codepoints()
    return "".join(ch if ord(ch) in covered else "?" for ch in flat)


def _number(value: object) -> float:
    if isinstance(value, bool) or value is None:
        return math.nan
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


@functools.cache
def _covered_codepoints() -> frozenset[int]:
    """The characters the default font can draw."""
    return frozenset(get_font(findfont(FontProperties())).get_charmap())


def _text_width(text: str, points: float) -> float:
    """The width of one line of `text` in inches, with a little room for Agg's hinting."""
    if not text:
        return 0.0
    measure: TextToPath | None = getattr(_local, "text_to_path", None)
    if measure is None:  # one per thread: font objects keep per-call state
        measure = _local.text_to_path = TextToPath()
    width, _, _ = measure.get_text_width_height_descent(
        text, FontProperties(size=points), ismath=False
    )
    return width * 1.03 / 72 + 0.02


_local = threading.local()
