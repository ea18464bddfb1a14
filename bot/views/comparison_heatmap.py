"""The comparison as a picture: candidates × criteria, coloured by mean rating."""

from __future__ import annotations

from bot.domain.comparison import Comparison


def comparison_heatmap(c: Comparison) -> bytes:
    # Imported here, where a picture is made: matplotlib (with numpy) is most of a
    # worker's memory and start-up time, and only the outbox's heatmap upload draws.
    from bot.views.heatmap import heatmap_png

    keys = [criterion.key for criterion in c.rubric.criteria]
    view = "calibrated" if c.calibrated else "as rated"
    version = f", rubric v{c.rubric.version}" if c.rubric.version else ""
    return heatmap_png(
        [row.round.candidate_name + (" (partial)" if row.partial else "") for row in c.rows],
        [criterion.name for criterion in c.rubric.criteria],
        [[row.means.get(key) for key in keys] for row in c.rows],
        title=f"{c.role_name}: mean rating per criterion",
        note=f"{len(c.rows)} candidates, {view}{version}",
    )
