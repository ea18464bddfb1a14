"""The comparison as a picture: candidates × criteria, coloured by mean rating."""

from __future__ import annotations

from bot.domain.comparison import Comparison


def comparison_heatmap(comparison: Comparison) -> bytes:
    # Imported here, where a picture is made: matplotlib (with numpy) is most of a
    # worker's memory and start-up time, and only the outbox's heatmap upload draws.
    from bot.views.heatmap import heatmap_png

    keys = [criterion.key for criterion in comparison.rubric.criteria]
    view = "calibrated" if comparison.calibrated else "as rated"
    version = f", rubric v{comparison.rubric.version}" if comparison.rubric.version else ""
    return heatmap_png(
        [
            row.round.candidate_name + (" (partial)" if row.partial else "")
            for row in comparison.rows
        ],
        [criterion.name for criterion in comparison.rubric.criteria],
        [[row.means.get(key) for key in keys] for row in comparison.rows],
        title=f"{comparison.role_name}: mean rating per criterion",
        note=f"{len(comparison.rows)} candidates, {view}{version}",
    )
