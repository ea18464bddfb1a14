"""`panelbot export`, `panelbot validity`, `panelbot rubric import|export`, `panelbot evidence-rules
import|export`, `panelbot forget` and `panelbot teams`: the admin's way in and out. None of
them talks to Slack, so none needs Slack's settings; each needs a database at this version's
schema, and never creates one.

Only the parsers are built at import (`panelbot --help`); the rest is imported when a
command runs."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import NotFound, PanelbotError

if TYPE_CHECKING:
    from bot.runtime.cli import Subcommands
    from bot.runtime.settings import Settings
    from bot.services import Services
    from storage.db import Database

# The subcommands this module adds and runs.
DATA_COMMANDS = frozenset({"export", "rubric", "evidence-rules", "forget", "teams", "validity"})
TEAM_HELP = "Slack team id (needed when the database knows several workspaces: `panelbot teams`)"


def add_parsers(sub: Subcommands) -> None:
    export = sub.add_parser("export", help="write a role's finished feedback for an ATS")
    export.add_argument("--role", required=True, help="the role's name (any case)")
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    export.add_argument("--since", type=_date, help="finished on or after YYYY-MM-DD (UTC)")
    export.add_argument("--team", help=TEAM_HELP)
    export.add_argument("--out", type=Path, help="file to write (default: standard output)")
    validity = sub.add_parser(
        "validity", help="print whether a role's ratings predict what happened after"
    )
    validity.add_argument("--role", required=True, help="the role's name (any case)")
    validity.add_argument("--team", help=TEAM_HELP)
    rubric = sub.add_parser("rubric", help="import or export every role's rubric as YAML")
    rubric.add_argument("action", choices=["import", "export"])
    rubric.add_argument("file", type=Path, nargs="?", help="YAML file (default: stdin/stdout)")
    rubric.add_argument("--team", help=TEAM_HELP)
    rules = sub.add_parser(
        "evidence-rules", help="import or export the evidence rules of feedback notes as YAML"
    )
    rules.add_argument("action", choices=["import", "export"])
    rules.add_argument("file", type=Path, nargs="?", help="YAML file (default: stdin/stdout)")
    rules.add_argument("--team", help=TEAM_HELP)
    forget = sub.add_parser("forget", help="erase everything Panelbot holds about a candidate")
    forget.add_argument("--candidate", required=True, help="the candidate's name (any case)")
    forget.add_argument("--team", help=TEAM_HELP)
    forget.add_argument("--yes", action="store_true", help="erase without asking first")
    sub.add_parser(
        "teams",
        help="list the Slack workspaces the database knows: team id (for --team), name, "
        "installed or not, rounds",
    )


def run_data_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain.yaml_files import DataFileError
    from bot.runtime.app import build_services
    from bot.runtime.startup import open_database

    db = open_database(settings)
    try:
        if args.command == "teams":
            return _teams(db)
        team_id = args.team or _only_team(db)
        services = build_services(settings, db)
        if args.command == "export":
            text = _export(services, team_id, args)
            return _write(args.out, text)
        if args.command == "validity":
            from bot.views.validity import validity_text

            found = services.validity.report(team_id, None, _role(services, team_id, args.role))
            # Role and criterion names were typed in Slack: no control characters on a terminal.
            report = validity_text(found.role_name, found.table)
            return _write(None, "\n".join(_printable(line) for line in report.split("\n")))
        if args.command == "forget":
            return _forget(services, team_id, args.candidate, ask=not args.yes)
        if args.command == "evidence-rules":
            return _evidence_rules(services, team_id, args)
        if args.action == "export":
            return _write(args.file, services.rubrics.export_yaml(team_id))
        source = args.file.read_text() if args.file else sys.stdin.read()
        for imported in services.rubrics.import_yaml(team_id, source, by="cli"):
            role, version = _printable(imported.role_name), imported.version
            said = (
                f"rubric version {version}"
                if imported.changed
                else f"unchanged (version {version})"
            )
            print(f"{role}: {said}", file=sys.stderr)
        return 0
    except (PanelbotError, DataFileError) as exc:
        print(f"panelbot: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 2
    except (OSError, UnicodeDecodeError) as exc:  # a file that can't be read or written
        where = f" {exc.filename}" if isinstance(exc, OSError) and exc.filename else ""
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        print(f"panelbot: cannot use the file{where}: {reason}", file=sys.stderr)
        return 2
    finally:
        db.dispose()


def _export(services: Services, team_id: str, args: argparse.Namespace) -> str:
    role_id = _role(services, team_id, args.role)
    return services.comparisons.export(team_id, None, role_id, args.format, args.since)


def _role(services: Services, team_id: str, text: str) -> int:
    from bot.services.comparisons import RolePick

    found = services.comparisons.find_role(team_id, text)
    if isinstance(found, RolePick):
        names = ", ".join(name for _, name in found.roles) or "none yet"
        raise PanelbotError(f'No single role matches "{text}". Roles: {names}.')
    return found.id


def _evidence_rules(services: Services, team_id: str, args: argparse.Namespace) -> int:
    if args.action == "export":
        return _write(args.file, services.evidence.export_yaml(team_id))
    source = args.file.read_text() if args.file else sys.stdin.read()
    rules = services.evidence.import_yaml(team_id, source, by="cli")
    print(f"{team_id}: {len(rules.rules)} evidence rule(s) imported", file=sys.stderr)
    return 0


def _forget(services: Services, team_id: str, name: str, *, ask: bool) -> int:
    """Show what will be erased, ask (unless --yes), erase, and say what was."""
    try:
        plan = services.retention.plan_erasure(team_id, name, requester=None)
    except NotFound:
        raise PanelbotError(
            f'No panels of a candidate named "{_printable(name)}" in workspace {team_id}.'
        ) from None
    who = f'"{_printable(plan.candidate)}"'
    print(f"Panelbot holds {len(plan.rounds)} panel round(s) about {who} in {team_id}:")
    for r in plan.rounds:
        print(
            f"  - {_printable(r.role_name)}, started {r.started_at:%Y-%m-%d}, {r.status}: "
            f"{r.panelists} panelist(s), {r.feedback} feedback"
        )
    print(
        "Erasing deletes them for good, with all their feedback and the reminders still due, "
        f"and Panelbot deletes its {plan.messages} Slack message(s) about them."
    )
    if ask and not _yes(f"Erase {who}? Type yes to erase: "):
        print("panelbot: nothing was erased.", file=sys.stderr)
        return 1
    erased = services.retention.erase(team_id, plan.candidate, plan.up_to, requester=None)
    if erased.nothing:
        print(f"Nothing left to erase about {who}: it was already erased.")
        return 0
    print(f"Erased {who}:")
    for part in erased.parts():
        print(f"  {part}")
    if erased.messages:
        # This process does not talk to Slack: the running bot's scheduler sends them.
        print("The running Panelbot deletes the Slack messages at its next scheduler tick.")
    return 0


def _yes(prompt: str) -> bool:
    try:
        return input(prompt).strip().casefold() in ("y", "yes")
    except EOFError:  # no terminal to ask (a script without --yes): no
        return False


def _printable(text: str) -> str:
    """A name typed in Slack, safe on a terminal: no control characters."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _only_team(db: Database) -> str:
    """The workspace, when the database knows exactly one."""
    from storage.workspaces import known

    with db.read() as session:
        teams = [w.team_id for w in known(session)]
    if len(teams) == 1:
        return teams[0]
    if not teams:
        raise PanelbotError(
            "Say which workspace with --team: the database knows none yet (`panelbot doctor` "
            "shows the team id of SLACK_BOT_TOKEN's workspace)."
        )
    raise PanelbotError(
        f"Say which workspace with --team: the database knows {', '.join(teams)} "
        "(`panelbot teams` lists them)."
    )


def _teams(db: Database) -> int:
    """One line per workspace: team id, name, installed or not, how many rounds."""
    from storage.workspaces import known

    with db.read() as session:
        workspaces = known(session)
    if not workspaces:
        print("panelbot: the database knows no workspace yet.", file=sys.stderr)
        return 0
    states = {True: "installed", False: "uninstalled", None: "install not recorded"}
    rows = [
        (w.team_id, _printable(w.team_name or "?"), states[w.installed], _rounds(w.rounds))
        for w in workspaces
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for *columns, rounds in rows:
        padded = [c.ljust(width) for c, width in zip(columns, widths, strict=True)]
        print("  ".join([*padded, rounds]))
    return 0


def _rounds(count: int) -> str:
    return f"{count} round" if count == 1 else f"{count} rounds"


def _write(path: Path | None, text: str) -> int:
    if path is None:
        sys.stdout.write(text)
    else:
        path.write_text(text)
    return 0


def _date(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-01") from None
