"""What a request's use case enqueued messages for: handlers return it, and `guarded`
(handlers/responses.py) has the dispatcher send those rows right after the ack."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Touched:
    rounds: tuple[int, ...] = ()  # the rounds whose outbox rows to send
    channels: tuple[str, ...] = ()  # conversations with rows outside any round
    users: tuple[str, ...] = ()  # people whose DMs have rows outside any round
    team_id: str = ""  # the workspace of `channels` and `users` (their ids may be shared)

    def __post_init__(self) -> None:
        if (self.channels or self.users) and not self.team_id:
            raise ValueError("Touched names channels or people without their workspace")

    @classmethod
    def round(cls, round_id: int) -> Touched:
        return cls(rounds=(round_id,))
