"""Binding API tokens to origins from the site configuration."""

import pytest

from ckanext.syncsource.sources import SourceError
from ckanext.syncsource.sources.tokens import origin_key, token_bindings

from .conftest import make_settings


def bindings(entries=(), legacy_token="", legacy_origin="", environ=None):
    return token_bindings(entries, legacy_token, legacy_origin, environ or {})


def test_tokens_are_bound_to_exact_https_origins():
    tokens = bindings(
        ["https://Data.Example.org=tok-1", "https://data.example.org:8443/=env:SECOND"],
        environ={"SECOND": "tok-2"},
    )
    assert tokens == {
        "https://data.example.org:443": "tok-1",
        "https://data.example.org:8443": "tok-2",
    }
    settings = make_settings(api_tokens=tokens)
    assert settings.token_for("https://data.example.org/api/3/action/package_search") == "tok-1"
    assert settings.token_for("https://data.example.org:443/x") == "tok-1"
    assert settings.token_for("https://data.example.org:8443/api") == "tok-2"
    for url in (
        "http://data.example.org/api",
        "http://data.example.org:443/api",
        "https://data.example.org.evil.test/api",
        "https://evil.test/https://data.example.org/",
        "https://data.example.org:444/api",
    ):
        assert settings.token_for(url) is None, url


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("http://data.example.org=tok", "not an https origin"),
        ("https://data.example.org/api=tok", "not an https origin"),
        ("data.example.org=tok", "not an https origin"),
        ("https://user:pw@data.example.org=tok", "credentials"),
        ("https://data.example.org", "has no token"),
        ("https://data.example.org=", "is empty"),
        ("https://data.example.org=env:MISSING", "'MISSING' is not set"),
    ],
)
def test_bad_entries_are_refused_with_the_reason(entry, message):
    with pytest.raises(SourceError, match=message):
        bindings([entry])


def test_an_origin_bound_twice_is_refused():
    with pytest.raises(SourceError, match="configured twice"):
        bindings(["https://a.org=x", "https://a.org:443=y"])


def test_the_old_single_token_needs_an_origin():
    with pytest.raises(SourceError, match="bound to no origin"):
        bindings(legacy_token="tok")
    assert bindings(legacy_token="tok", legacy_origin="https://a.org") == {
        "https://a.org:443": "tok"
    }
    with pytest.raises(SourceError, match="not an https origin"):
        bindings(legacy_token="tok", legacy_origin="http://a.org")


def test_origin_key():
    assert origin_key("https://[::1]:8443/x") == "https://[::1]:8443"
    assert origin_key("ftp://a.org/") is None
    assert origin_key("https://a.org:99999/") is None
