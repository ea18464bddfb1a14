"""Workspaces that installed Panelbot, and their tokens in slack_sdk's installation tables.

slack_sdk's SQLAlchemy stores open their own connections (`engine.begin()`); `store_in` hands
them the connection of our transaction instead, so a token change commits or rolls back with
the workspace row beside it, and runs under the lock that transaction holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Connection, Engine, case, func, select, update
from sqlalchemy.orm import Session

from bot.domain.panel import Status
from storage.models import SLACK_BOTS, SLACK_INSTALLATIONS, Base, Role, Round, Workspace
from storage.work import dialect_insert


@dataclass(frozen=True)
class KnownWorkspace:
    team_id: str
    team_name: str | None  # None: Slack never told us (a workspace from before names were kept)
    installed: bool | None  # None: no install recorded (a workspace from before installs were)
    rounds: int


def known(session: Session) -> list[KnownWorkspace]:
    """Every workspace the database knows, by team id: installed ones, and any with roles or
    rounds (they may predate install records)."""
    rows = {w.team_id: w for w in session.scalars(select(Workspace))}
    counted = session.execute(select(Round.team_id, func.count()).group_by(Round.team_id))
    rounds: dict[str, int] = {team: count for team, count in counted}
    teams = set(rows) | set(rounds) | set(session.scalars(select(Role.team_id).distinct()))
    return [
        KnownWorkspace(
            team_id,
            rows[team_id].team_name if team_id in rows else None,
            rows[team_id].uninstalled_at is None if team_id in rows else None,
            rounds.get(team_id, 0),
        )
        for team_id in sorted(teams)
    ]


def open_round_channels(session: Session) -> list[tuple[str, str]]:
    """(team id, channel id) of every hiring channel with an open round, in every workspace."""
    query = select(Round.team_id, Round.channel_id).where(Round.status == Status.OPEN).distinct()
    return sorted((team, channel) for team, channel in session.execute(query))


class _InTransaction:
    """Stands in for the Engine a slack_sdk store expects: its `begin()` and `connect()`
    blocks run on one connection, inside the transaction already open on it."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        yield self._connection

    connect = begin


def store_in(session: Session, client_id: str) -> SQLAlchemyInstallationStore:
    """slack_sdk's installation store, working inside this session's transaction."""
    engine = cast(Engine, _InTransaction(session.connection()))
    return SQLAlchemyInstallationStore(
        client_id=client_id,
        engine=engine,
        bots_table_name=SLACK_BOTS,
        installations_table_name=SLACK_INSTALLATIONS,
    )


def lock(session: Session, team_id: str, now: datetime) -> None:
    """Hold the team's row until the transaction ends, so one process at a time changes the
    team's tokens (PostgreSQL: SELECT … FOR UPDATE; SQLite's BEGIN IMMEDIATE already
    serializes writers). A team installed before this table existed gets its row here."""
    session.execute(
        dialect_insert(session, Workspace)
        .values(team_id=team_id, installed_at=now)
        .on_conflict_do_nothing(index_elements=["team_id"])
    )
    session.execute(select(Workspace.team_id).where(Workspace.team_id == team_id).with_for_update())


def mark_installed(session: Session, team_id: str, team_name: str | None, now: datetime) -> None:
    """An install: the team is active. `installed_at` is when this unbroken installation
    began, so a reinstall after an uninstall starts it again and a repeated one (a restart
    in single-workspace mode, new scopes) leaves it."""
    stmt = dialect_insert(session, Workspace).values(
        team_id=team_id, team_name=team_name, installed_at=now, uninstalled_at=None
    )
    values: dict[str, Any] = {
        "installed_at": case(
            (Workspace.uninstalled_at.is_(None), Workspace.installed_at), else_=now
        ),
        "uninstalled_at": None,
    }
    if team_name:
        values["team_name"] = team_name
    session.execute(stmt.on_conflict_do_update(index_elements=["team_id"], set_=values))


def mark_uninstalled(session: Session, team_id: str, now: datetime) -> None:
    """The team removed Panelbot: its data is kept until the retention period has passed
    since `now` (the first uninstall counts; a repeated event does not extend it)."""
    stmt = dialect_insert(session, Workspace).values(
        team_id=team_id, installed_at=now, uninstalled_at=now
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["team_id"],
            set_={"uninstalled_at": now},
            where=Workspace.uninstalled_at.is_(None),
        )
    )


def enterprise_of(connection: Connection | Session, client_id: str, team_id: str) -> str | None:
    """The Enterprise Grid org a team's install belongs to (None: a plain workspace), which
    slack_sdk's store needs beside the team id to find its tokens."""
    bots = Base.metadata.tables[SLACK_BOTS]
    return connection.execute(
        select(bots.c.enterprise_id)
        .where(bots.c.client_id == client_id, bots.c.team_id == team_id)
        .order_by(bots.c.installed_at.desc())
        .limit(1)
    ).scalar()


def forget_bot_tokens(
    session: Session, client_id: str, enterprise_id: str | None, team_id: str
) -> None:
    """Slack revoked the bot token: the installation rows keep the installer but lose the
    token (slack_sdk's delete_bot only clears the bots table, and find_installation would
    still hand out the revoked token from here)."""
    installations = Base.metadata.tables[SLACK_INSTALLATIONS]
    session.execute(
        update(installations)
        .where(
            installations.c.client_id == client_id,
            installations.c.enterprise_id == enterprise_id,  # None: IS NULL
            installations.c.team_id == team_id,
        )
        .values(bot_token=None, bot_refresh_token=None, bot_token_expires_at=None)
    )
