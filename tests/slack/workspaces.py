"""Several workspaces, their bot tokens and the OAuth install, as a part of `SlackStandIn`.

Each workspace has its own team id, domain, bot user and bot id; each Web API call is
answered as the workspace its token belongs to (`acting_workspace`), so a call made with
team A's token cannot see team B's channels, users, DMs or views — exactly the mistake a
multi-workspace bot must not make.

Tokens: the constructor's `token` belongs to the first workspace (single-workspace tests
use nothing else). `configure_oauth` sets up the app's credentials; the OAuth install is
`GET /oauth/v2/authorize` (the consent page: the installer approves at once and is sent
back to the redirect URL with a one-time `code`) and `oauth.v2.access` (code → a new bot
token; with token rotation, an expiring one and a refresh token, which works once).
Tokens that were revoked answer `token_revoked`, expired ones `token_expired`, unknown
ones `invalid_auth`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlencode

from tests.slack.errors import ApiError
from tests.slack.records import Grant, Json, StandInRecords, Workspace

CODE_TTL_SECONDS = 600.0
# Slack's lifetime of a rotating access token.
ROTATING_TOKEN_SECONDS = 12 * 3600


@dataclass
class OAuthApp:
    client_id: str
    client_secret: str
    redirect_url: str | None
    token_rotation: bool
    expires_in: int
    codes: dict[str, Json] = field(default_factory=dict)
    refresh_tokens: dict[str, str | None] = field(default_factory=dict)  # → the access token


class WorkspacesMixin(StandInRecords):
    """Workspaces, tokens and the OAuth app of the stand-in."""

    oauth: OAuthApp | None = None

    # ---- set-up (tests) -------------------------------------------------------------

    def add_workspace(
        self,
        team_id: str,
        domain: str,
        *,
        bot_user_id: str | None = None,
        bot_id: str | None = None,
        token: str | None = None,
    ) -> Workspace:
        """Another workspace (not installed unless `token` is given)."""
        workspace = Workspace(
            team_id,
            domain,
            bot_user_id or f"UBOT{team_id}",
            bot_id or f"BBOT{team_id}",
        )
        with self._lock:
            self.workspaces[team_id] = workspace
            if token:
                self._grants[token] = Grant(team_id)
        self.add_user(workspace.bot_user_id, "panelbot", is_bot=True, team_id=team_id)
        return workspace

    def configure_oauth(
        self,
        client_id: str,
        client_secret: str,
        *,
        redirect_url: str | None = None,
        token_rotation: bool = False,
        expires_in: int = ROTATING_TOKEN_SECONDS,
    ) -> OAuthApp:
        """The app's credentials and settings, as in its configuration pages. `expires_in`
        (token rotation): the lifetime of each access token issued from now on."""
        with self._lock:
            self.oauth = OAuthApp(
                client_id, client_secret, redirect_url, token_rotation, expires_in
            )
            return self.oauth

    # ---- what tests read and do to tokens -------------------------------------------

    def workspace(self, team_id: str) -> Workspace:
        with self._lock:
            return self.workspaces[team_id]

    def team_of(self, token: str | None) -> str | None:
        """The workspace a token was issued for (revoked or not), None if unknown."""
        with self._lock:
            grant = self._grants.get(token or "")
            return grant.team_id if grant else None

    def grant_scopes(self, token: str, scopes: str) -> None:
        """The comma-separated scopes `token` has, as the `x-oauth-scopes` header of Slack's
        answers says (tokens from oauth.v2.access have those they were installed with; the
        others have none known, and their answers carry no such header until set here)."""
        with self._lock:
            self._scopes[token] = scopes

    def scopes_of(self, token: str | None) -> str | None:
        with self._lock:
            return self._scopes.get(token or "")

    def live_tokens(self, team_id: str) -> list[str]:
        with self._lock:
            return [t for t, g in self._grants.items() if g.team_id == team_id and self._live(g)]

    def revoke_tokens(self, team_id: str) -> None:
        """What an uninstall does first: every token of the workspace stops working."""
        with self._lock:
            for grant in self._grants.values():
                if grant.team_id == team_id:
                    grant.revoked = True
            if self.oauth:
                for refresh, access in list(self.oauth.refresh_tokens.items()):
                    if access and self._grants[access].team_id == team_id:
                        del self.oauth.refresh_tokens[refresh]

    def expire_tokens(self, team_id: str) -> None:
        """The workspace's expiring tokens reach their end now (by `clock`)."""
        with self._lock:
            for grant in self._grants.values():
                if grant.team_id == team_id and grant.expires_at is not None:
                    grant.expires_at = min(grant.expires_at, self.clock())

    # ---- acting as a workspace (the Web API handlers) ------------------------------

    @contextmanager
    def acting_as(self, workspace: Workspace | None) -> Iterator[None]:
        """Answer calls on this thread as `workspace` (None: the first one)."""
        previous = getattr(self._acting, "workspace", None)
        self._acting.workspace = workspace
        try:
            yield
        finally:
            self._acting.workspace = previous

    def _token_error(self, token: str) -> tuple[Workspace | None, str | None]:
        """The workspace a Web API call with `token` acts as, or Slack's refusal."""
        with self._lock:
            grant = self._grants.get(token)
            if grant is None:
                return None, "invalid_auth"
            if grant.revoked:
                return None, "token_revoked"
            if not self._live(grant):
                return None, "token_expired"
            return self.workspaces[grant.team_id], None

    def _app_token_error(self, token: str) -> str:
        """Slack's refusal of `token` where an app-level token is needed."""
        with self._lock:
            return "not_allowed_token_type" if token in self._grants else "invalid_auth"

    def _live(self, grant: Grant) -> bool:
        return not grant.revoked and (grant.expires_at is None or self.clock() < grant.expires_at)

    # ---- the OAuth install ------------------------------------------------------------

    def handle_authorize(self, query: dict[str, str], installer: str | None) -> tuple[int, str]:
        """GET /oauth/v2/authorize: (status, Location or an error page's text)."""
        with self._lock:
            app = self.oauth
            if app is None or query.get("client_id") != app.client_id:
                return 400, "invalid_client_id"
            redirect = query.get("redirect_uri") or app.redirect_url
            if not redirect or (app.redirect_url and redirect != app.redirect_url):
                return 400, "bad_redirect_uri"
            team_id = query.get("team") or self._default_team
            if team_id not in self.workspaces:
                return 400, "invalid_team"
            user = installer or next(
                (u["id"] for u in self._users.values() if u["team_id"] == team_id),
                "UINSTALLER",
            )
            code = f"{team_id}.{secrets.token_hex(12)}"
            app.codes[code] = {
                "team_id": team_id,
                "user_id": user,
                "scope": query.get("scope", ""),
                "redirect_uri": query.get("redirect_uri"),
                "issued_at": self.clock(),
            }
        params = {"code": code, "state": query.get("state", "")}
        return 302, f"{redirect}{'&' if '?' in redirect else '?'}{urlencode(params)}"

    def _oauth_access(self, args: Json) -> Json:
        """oauth.v2.access (lock held): a code for a new install, or a refresh token for a
        new access token."""
        app = self.oauth
        if app is None or args.get("client_id") != app.client_id:
            raise ApiError("invalid_client_id")
        if args.get("client_secret") != app.client_secret:
            raise ApiError("bad_client_secret")
        if args.get("grant_type") == "refresh_token":
            return self._refresh(app, str(args.get("refresh_token") or ""))
        grant = app.codes.pop(str(args.get("code") or ""), None)
        if grant is None or self.clock() - grant["issued_at"] > CODE_TTL_SECONDS:
            raise ApiError("invalid_code")
        if grant["redirect_uri"] and args.get("redirect_uri") != grant["redirect_uri"]:
            raise ApiError("bad_redirect_uri")
        answer = self._new_bot_token(app, grant["team_id"], grant["scope"])
        answer["authed_user"] = {"id": grant["user_id"]}
        return answer

    def _refresh(self, app: OAuthApp, refresh_token: str) -> Json:
        if refresh_token not in app.refresh_tokens:
            raise ApiError("invalid_refresh_token")
        # A refresh token works once (Slack revokes it); the old access token lives on
        # until it expires.
        access = app.refresh_tokens.pop(refresh_token)
        team_id = self._grants[access].team_id if access else self._default_team
        return self._new_bot_token(app, team_id, self._scopes.get(access or "", ""))

    def _new_bot_token(self, app: OAuthApp, team_id: str, scope: str) -> Json:
        workspace = self.workspaces[team_id]
        rotating = app.token_rotation
        token = f"{'xoxe.' if rotating else ''}xoxb-{team_id}-{secrets.token_hex(8)}"
        expires_at = self.clock() + app.expires_in if rotating else None
        self._grants[token] = Grant(team_id, expires_at=expires_at)
        self._scopes[token] = scope
        answer: Json = {
            "access_token": token,
            "token_type": "bot",
            "scope": scope,
            "bot_user_id": workspace.bot_user_id,
            "app_id": self.app_id,
            "team": {"id": team_id, "name": workspace.name},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if rotating:
            refresh = f"xoxe-1-{secrets.token_hex(12)}"
            app.refresh_tokens[refresh] = token
            answer.update(refresh_token=refresh, expires_in=app.expires_in)
        return answer
