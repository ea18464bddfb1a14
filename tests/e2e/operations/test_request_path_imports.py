"""The request path loads no heavy library: building the app and answering a round's
requests (start, Give feedback, submissions, the summary, /panel status) leave matplotlib,
numpy, krippendorff and scipy unloaded. They cost a worker tens of MB and most of a second
to import, and only the heatmap (a picture) and the agreement (a statistic) need them.

Checked in a fresh interpreter (tests/support/request_path_probe.py): this one has imported them."""

from __future__ import annotations

import json
import subprocess
import sys

from storage.db import Database
from tests.support.paths import ROOT


def test_request_path_imports_no_heavy_library(database: Database) -> None:
    url = database.engine.url.render_as_string(hide_password=False)
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.request_path_probe", url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_they_load_where_a_statistic_is_made() -> None:
    """The modules that use them import them when they are used, not before."""
    code = (
        "import sys\n"
        "from bot.domain.calibration import Rated, agreement\n"
        "from bot.views.comparison_heatmap import comparison_heatmap\n"
        "heavy = ('numpy', 'krippendorff', 'matplotlib', 'scipy')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "rated = [Rated(1, u, 'r', {'a': v, 'b': v}, 3) for u, v in (('U1', 2), ('U2', 3))]\n"
        "rated += [Rated(2, u, 'r', {'a': v, 'b': 4}, 3) for u, v in (('U1', 1), ('U2', 2))]\n"
        "assert agreement(rated) is not None\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split("\n")[:2] == ["[]", "['krippendorff', 'numpy']"]
