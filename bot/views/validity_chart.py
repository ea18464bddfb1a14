"""A role's validity as a picture: for the overall score and each criterion, the correlation
with each outcome as a dot with its 95 % interval (a line), zero marked; too few pairs draw
nothing but say so. PNG bytes; matplotlib's object API on the Agg canvas (never pyplot), as
bot/views/heatmap.py draws; imported only when a chart is drawn."""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.domain.validity import OutcomeKind, ValidityTable
from bot.views.heatmap import DPI, FIG_WIDTH, NOTE_COLOUR, _plain, _png

ROW_HEIGHT = 0.32
COLOURS = {
    OutcomeKind.ADVANCED: "#1f77b4",
    OutcomeKind.PERF_6M: "#2ca02c",
    OutcomeKind.PERF_12M: "#17becf",
    OutcomeKind.RETAINED_12M: "#9467bd",
}
AGAINST_COLOUR = "#d62728"
NAME_CHARS = 34


def validity_png(role_name: str, table: ValidityTable) -> bytes:
    kinds = list(OutcomeKind)
    rows = list(table.rows)
    height = 2.2 + ROW_HEIGHT * len(kinds) * len(rows)
    fig = Figure(figsize=(FIG_WIDTH, height), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    # Inches from the bottom: the legend and the axis label (1.5), the title on top (0.6).
    ax = fig.add_axes((0.36, 1.5 / height, 0.6, 1 - 2.1 / height))
    y = 0.0
    ticks, labels = [], []
    for row in rows:
        ticks.append(-(y + (len(kinds) - 1) / 2))
        name = _plain(row.name)
        labels.append(name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…")
        for kind, c in zip(kinds, row.correlations, strict=True):
            if c.r is not None and c.low is not None and c.high is not None:
                colour = AGAINST_COLOUR if c.against else COLOURS[kind]
                ax.plot([c.low, c.high], [-y, -y], color=colour, linewidth=2)
                ax.plot([c.r], [-y], "o", color=colour, markersize=5)
            else:
                ax.text(
                    0,
                    -y,
                    "too few to say",
                    fontsize=8,
                    color=NOTE_COLOUR,
                    ha="center",
                    va="center",
                    parse_math=False,
                )
            y += 1
        y += 0.6
    ax.axvline(0, color="#888888", linewidth=1)
    ax.set_xlim(-1, 1)
    ax.set_ylim(-y + 0.4, 1)
    ax.set_yticks(ticks, labels, fontsize=10)
    ax.set_xlabel("correlation with the outcome, with its 95 % interval", fontsize=10)
    for kind in kinds:
        ax.plot([], [], "o-", color=COLOURS[kind], label=kind.label)
    ax.plot([], [], "o-", color=AGAINST_COLOUR, label="against how people did")
    fig.legend(loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.text(
        0.02,
        1 - 0.2 / height,
        _plain(f"{role_name}: do the ratings predict outcomes?"),
        fontsize=13,
        fontweight="bold",
        va="top",
        parse_math=False,
    )
    return _png(fig)
