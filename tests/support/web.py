"""GET over HTTP as a test needs it: the status, body and headers of any answer (an error
status is an answer, not an exception), and redirects handed back rather than followed."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

from tests.slack.driver import Reply


class _Stay(urllib.request.HTTPRedirectHandler):
    """Hand redirects back to the caller: the test follows them itself."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_browser = urllib.request.build_opener(_Stay)


def get(url: str, headers: dict[str, str] | None = None) -> Reply:
    started = time.monotonic()
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with _browser.open(request, timeout=10) as response:
            status, body, found = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, body, found = error.code, error.read(), dict(error.headers)
    lowered = {name.lower(): value for name, value in found.items()}
    return Reply(status, body.decode(), lowered, time.monotonic() - started)
