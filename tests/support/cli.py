"""`panelbot <command>` run in this process (bot.runtime.cli.main) against the test's
database, its output captured: what the data commands print and the code they exit with. The
`cli` fixture (conftest.py) sets the environment it reads."""

from __future__ import annotations

import pytest

from bot.runtime.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `panelbot <args>`."""
    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exit_:  # argparse refuses bad arguments this way
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
