"""Drive a Bolt app over Socket Mode the way Slack does.

`SocketModeDriver` builds every request exactly as `SlackDriver` does (the same slash command
fields, interaction payloads and event callbacks, with the stand-in's trigger_ids and
response_urls) and delivers it as an envelope on the app's WebSocket connection to the
stand-in's Socket Mode side (`standin.start_socket_mode()`). The ack comes back as the
`Reply`: its body is the ack's payload, which is what the HTTP answer's body would have been.
"""

from __future__ import annotations

import json

from tests.slack.driver import Reply, SlackDriver
from tests.slack.socket_mode import ACK_TIMEOUT_SECONDS, SocketModeServer
from tests.slack.standin import SlackStandIn
from tests.slack.state import Json


class SocketModeDriver(SlackDriver):
    def __init__(
        self,
        standin: SlackStandIn,
        *,
        ack_timeout: float = ACK_TIMEOUT_SECONDS,
        **workspace: str,
    ) -> None:
        # No URL and no signature: over Socket Mode the connection itself is the credential.
        super().__init__("", "", standin, **workspace)
        self.socket: SocketModeServer = standin.start_socket_mode()
        self.ack_timeout = ack_timeout

    def send_command(self, fields: dict[str, str]) -> Reply:
        return self.deliver("slash_commands", dict(fields))

    def send_interaction(self, payload: Json, headers: dict[str, str] | None = None) -> Reply:
        return self.deliver("interactive", payload, headers)

    def send_event(self, envelope: Json, headers: dict[str, str]) -> Reply:
        return self.deliver("events_api", envelope, headers)

    def deliver(self, kind: str, payload: Json, headers: dict[str, str] | None = None) -> Reply:
        """One envelope, and its ack as a Reply (an AssertionError if none comes in time).
        A redelivery named by HTTP's retry headers is the envelope's retry_attempt here."""
        retry = {k.lower(): v for k, v in (headers or {}).items()}
        ack = self.socket.deliver(
            kind,
            payload,
            timeout=self.ack_timeout,
            retry_attempt=int(retry.get("x-slack-retry-num", 0)),
            retry_reason=retry.get("x-slack-retry-reason", ""),
        )
        body = json.dumps(ack.payload) if ack.payload is not None else ""
        return self.checked(Reply(status=200, body=body, elapsed=ack.elapsed))
