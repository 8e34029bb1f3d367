"""A thin client of CKAN's action API (`/api/3/action/<name>`), with timeouts.

Every call is a JSON POST, which CKAN accepts for read and write actions alike. An answer with
`"success": false` (or CKAN's bad-request answer, a bare string) becomes an `ActionError`
carrying CKAN's error dict; a network failure, a timeout or an answer that is not CKAN's JSON
becomes `CkanUnreachable`. The API key is sent in the `Authorization` header and never appears
in messages or reprs.
"""

from __future__ import annotations

from typing import Any

import requests

from ..core.errors import describe_ckan_error

ACTION_PATH = "/api/3/action"
USER_AGENT = "ckanext-syncsource-client"


class CkanUnreachable(Exception):
    """CKAN could not be asked or gave no usable answer; nothing is known about the call."""


class ActionError(Exception):
    """CKAN answered the call with an error; `error` is CKAN's error dict without `__type`."""

    def __init__(self, action: str, status: int, error_type: str, error: dict[str, Any]) -> None:
        self.action = action
        self.status = status
        self.error_type = error_type
        self.error = error
        super().__init__(f"{action}: {error_type}: {describe_ckan_error(error)}")


class NotFound(ActionError):
    pass


class NotAuthorized(ActionError):
    pass


class ValidationError(ActionError):
    pass


_ERRORS_BY_STATUS: dict[int, type[ActionError]] = {
    403: NotAuthorized,
    404: NotFound,
    409: ValidationError,
}


class ActionApi:
    """Calls actions of the CKAN site at `base_url` (its root URL, as in `ckan.site_url`)."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        timeout: float = 60.0,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = session or requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        if api_key:
            self._session.headers["Authorization"] = api_key

    def __repr__(self) -> str:
        return f"ActionApi({self.base_url!r})"

    def call(self, action: str, data: dict[str, Any] | None = None) -> Any:
        """The `result` of the action, or raise `ActionError` / `CkanUnreachable`."""
        url = f"{self.base_url}{ACTION_PATH}/{action}"
        try:
            response = self._session.post(
                url, json=data or {}, timeout=self.timeout, allow_redirects=False
            )
        except requests.RequestException as e:
            raise CkanUnreachable(f"{action}: {type(e).__name__}: {e}") from e
        try:
            body = response.json()
        except ValueError:
            raise CkanUnreachable(
                f"{action}: HTTP {response.status_code}, the answer is not JSON"
            ) from None
        if response.status_code == 400 and isinstance(body, str):
            # CKAN's bad request (an action it does not know, a body it cannot read) is a string.
            raise ActionError(action, 400, "Bad Request", {"message": body})
        if not isinstance(body, dict) or "success" not in body:
            raise CkanUnreachable(f"{action}: HTTP {response.status_code}, not a CKAN answer")
        if body["success"] is True:
            return body.get("result")
        error = body.get("error") if isinstance(body.get("error"), dict) else {}
        error = dict(error)
        error_type = str(error.pop("__type", "Error"))
        error_class = _ERRORS_BY_STATUS.get(response.status_code, ActionError)
        raise error_class(action, response.status_code, error_type, error)

    def show(self, action: str, **data: Any) -> dict[str, Any] | None:
        """The object a `*_show` action returns, or None when CKAN does not know it."""
        try:
            return self.call(action, data)
        except NotFound:
            return None
