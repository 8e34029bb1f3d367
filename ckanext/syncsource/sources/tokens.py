"""API tokens for remote CKAN sites, each bound to one exact https origin.

A harvest source's URL is chosen by whoever may edit the source, so a token must never follow
the URL: it goes only to the origin the site configuration binds it to, only over https, and
never to another origin a redirect leads to (see `HttpFetcher`).
"""

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from .errors import SourceError

API_TOKENS_OPTION = "ckanext.syncsource.api_tokens"
LEGACY_TOKEN_OPTION = "ckanext.syncsource.api_token"  # noqa: S105 (an option name)
LEGACY_ORIGIN_OPTION = "ckanext.syncsource.api_token_origin"
ENV_PREFIX = "env:"


def origin_key(url: str) -> str | None:
    """`https://host:port` of an https URL (host in lower case, port explicit); None for any
    other scheme or an unparsable URL."""
    try:
        parts = urlsplit(url)
        port = parts.port or 443
    except ValueError:
        return None
    if parts.scheme != "https" or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"https://{host}:{port}"


def _declared_origin(text: str, where: str) -> str:
    key = origin_key(text)
    parts = urlsplit(text)
    if key is None or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise SourceError(
            f"{where}: {text!r} is not an https origin (write it as https://host or "
            "https://host:port; tokens are never sent over plain http)"
        )
    if parts.username is not None or parts.password is not None:
        raise SourceError(f"{where}: the origin must not contain credentials")
    return key


def _token_value(value: str, where: str, environ: Mapping[str, str]) -> str:
    if not value.startswith(ENV_PREFIX):
        return value
    variable = value.removeprefix(ENV_PREFIX)
    token = environ.get(variable, "")
    if not token:
        raise SourceError(f"{where}: the environment variable {variable!r} is not set")
    return token


def token_bindings(
    entries: Iterable[str],
    legacy_token: str,
    legacy_origin: str,
    environ: Mapping[str, str],
) -> dict[str, str]:
    """Origin key -> token, from `ORIGIN=TOKEN` / `ORIGIN=env:VARIABLE` entries and the legacy
    single token, which is used only when bound to an origin."""
    bindings: dict[str, str] = {}

    def bind(origin_text: str, value: str, where: str) -> None:
        origin = _declared_origin(origin_text, where)
        if origin in bindings:
            raise SourceError(f"{where}: a token for {origin} is configured twice")
        token = _token_value(value, where, environ)
        if not token:
            raise SourceError(f"{where}: the token for {origin} is empty")
        bindings[origin] = token

    for entry in entries:
        origin_text, separator, value = entry.partition("=")
        if not separator:
            raise SourceError(
                f"{API_TOKENS_OPTION}: {origin_text!r} has no token "
                "(write ORIGIN=TOKEN or ORIGIN=env:VARIABLE)"
            )
        bind(origin_text, value, API_TOKENS_OPTION)
    if legacy_token and not legacy_origin:
        raise SourceError(
            f"{LEGACY_TOKEN_OPTION} is set but bound to no origin, so it is not sent anywhere: "
            f"set {LEGACY_ORIGIN_OPTION} to the https origin of the CKAN site it belongs to, "
            f"or move it into {API_TOKENS_OPTION}"
        )
    if legacy_origin:
        if not legacy_token:
            raise SourceError(f"{LEGACY_ORIGIN_OPTION} is set but {LEGACY_TOKEN_OPTION} is not")
        bind(legacy_origin, legacy_token, LEGACY_ORIGIN_OPTION)
    return bindings
