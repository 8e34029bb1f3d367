"""The one error every reader raises, and URL display without credentials."""

from urllib.parse import urlsplit, urlunsplit


class SourceError(Exception):
    """The source could not be read completely; the message names the cause for the operator."""


def display_url(url: str) -> str:
    """The URL as it may appear in messages and logs: user info removed."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"***@{host}"))
