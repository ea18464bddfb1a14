"""The comparison heatmap renderer: a PNG of the right size, whatever the input."""

from __future__ import annotations

import struct
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.views.heatmap import DPI, MAX_ROWS, ROW_HEIGHT, heatmap_png

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CRITERIA = ["Coding", "System design", "Debugging", "Testing", "Ownership"]
ROW_PIXELS = ROW_HEIGHT * DPI


def chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """The PNG's (type, data) chunks; checks the signature and every CRC."""
    assert png[:8] == PNG_SIGNATURE
    found, offset = [], 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind = png[offset + 4 : offset + 8]
        data = png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", png[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + data) == crc, kind
        found.append((kind, data))
        offset += 12 + length
    assert found[0][0] == b"IHDR" and found[-1][0] == b"IEND"
    return found


def size_of(png: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", chunks(png)[0][1][:8])
    return width, height


def matrix(rows: int, columns: int) -> list[list[float | None]]:
    return [[1.0 + ((r + c) % 7) / 2 for c in range(columns)] for r in range(rows)]


def names(count: int) -> list[str]:
    return [f"Candidate {i}" for i in range(count)]


def render(rows: int, note: str | None = "calibrated") -> bytes:
    return heatmap_png(
        names(rows), CRITERIA, matrix(rows, len(CRITERIA)), title="Backend: means", note=note
    )


def test_three_candidates_five_criteria() -> None:
    png = render(3)
    width, height = size_of(png)
    # 9 in at 100 dpi; the height fits title, note, labels, 3 rows and the colour scale.
    assert width == 900
    assert 300 <= height <= 500
    kinds = [kind for kind, _ in chunks(png)]
    assert kinds.count(b"IDAT") >= 1
    assert not {b"tEXt", b"iTXt", b"zTXt", b"tIME"} & set(kinds)  # no version, no time


def test_height_grows_by_one_row_per_candidate_up_to_the_cap() -> None:
    _, three = size_of(render(3))
    width, forty = size_of(render(MAX_ROWS))
    assert width == 900
    assert abs((forty - three) - (MAX_ROWS - 3) * ROW_PIXELS) <= 1
    # More rows than the cap draw the first 40; the note says so on the same line.
    assert size_of(render(MAX_ROWS + 1)) == (900, forty)
    assert size_of(render(60)) == (900, forty)


def test_sixty_candidates_never_raise_even_without_a_note() -> None:
    capped = render(60, note=None)
    assert size_of(capped)[1] >= size_of(render(MAX_ROWS, note=None))[1]
    assert capped != render(MAX_ROWS, note=None)  # "+20 more not shown"


def test_user_text_is_plain_text() -> None:
    hostile = ["$x$", "<!channel>", "$\\frac{1}{0}$ \\n", "a_b^c {}", "Jo 🚀\n\tLee", "x" * 500]
    png = heatmap_png(
        hostile,
        ["$\\alpha$ skills", "<@U123>", "x" * 200],
        [[3.0, 2.0, 1.0]] * len(hostile),
        title="$$ <!here> $",
        note="$ rubric v3 $",
    )
    assert size_of(png)[0] in (900, 1000)


def test_missing_cells_and_odd_values() -> None:
    means: list[list[float | None]] = [
        [None, None, None, None, None],
        [1.0, None, 4.0],  # short: padded with None
        [float("nan"), 0.0, 9.5, -1.0, 2.5],  # out of the scale: clipped colours
    ]
    png = heatmap_png(names(3), CRITERIA, means, title="Gaps")
    assert size_of(png)[0] == 900
    # Fewer rows of means than candidates: the rest are empty.
    assert size_of(heatmap_png(names(3), CRITERIA, [], title="Gaps"))[0] == 900


def test_one_candidate_one_criterion() -> None:
    width, height = size_of(heatmap_png(["Jo"], ["Coding"], [[3.25]], title="Jo"))
    assert width == 900
    assert 150 <= height <= 400


def test_nothing_to_draw() -> None:
    for candidates, criteria in (([], CRITERIA), (["Jo"], []), ([], [])):
        assert size_of(heatmap_png(candidates, criteria, [], title="Empty"))[0] == 900


@pytest.mark.parametrize("count", [8, 12, 20])
def test_many_criteria_stay_inside_the_figure(count: int) -> None:
    criteria = [f"Criterion with a long name {i}" for i in range(count)]
    png = heatmap_png(names(4), criteria, matrix(4, count), title="Wide")
    assert size_of(png)[0] in (900, 1000)


def test_same_input_same_bytes_also_across_threads() -> None:
    expected = render(4)
    assert render(4) == expected
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: render(4), range(6)))
    assert all(result == expected for result in results)
