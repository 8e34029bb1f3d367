"""The CKAN reader against a local HTTP server answering the action API as CKAN does."""

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from ckanext.syncsource.sources import SourceError, open_source
from ckanext.syncsource.sources.ckan_api import action_base_url

from .conftest import make_settings, reply, tls_fetcher

TOKEN = "tok-0123456789"
ORGS = [{"name": f"org-{n:02}", "title": f"Org {n}"} for n in range(30)]
GROUPS = [{"name": "g1"}, {"name": "g2"}]
DATASETS = [{"id": f"id-{n:04}", "name": f"ds-{n}", "private": n % 10 == 0} for n in range(2500)]


def answer(handler, result, status=200):
    body = {"success": status == 200, "result" if status == 200 else "error": result}
    reply(handler, json.dumps(body).encode(), status)


def serve_ckan(server, datasets=DATASETS, rows_max=1000):
    def params(handler):
        return {k: v[0] for k, v in parse_qs(urlsplit(handler.path).query).items()}

    def group_like(items):
        def route(handler):
            p = params(handler)
            assert p["all_fields"] == "true"
            offset, limit = int(p["offset"]), min(int(p["limit"]), 25)
            answer(handler, items[offset : offset + limit])

        return route

    def package_search(handler):
        p = params(handler)
        assert p["sort"] == "id asc"
        authorized = handler.headers.get("Authorization") == TOKEN
        visible = [
            d for d in datasets if not d["private"] or (authorized and "include_private" in p)
        ]
        # As Solr: the reader asks for datasets of type "dataset", after the last id it saw.
        query = re.fullmatch(r'\+dataset_type:dataset(?: \+id:\{"(.*)" TO \*\])?', p["fq"])
        visible = [d for d in visible if d.get("type", "dataset") == "dataset"]
        if query.group(1):
            visible = [d for d in visible if d["id"] > query.group(1)]
        rows = min(int(p["rows"]), rows_max)
        answer(handler, {"count": len(visible), "results": visible[:rows]})

    base = "/data/api/3/action/"
    server.routes[base + "organization_list"] = group_like(ORGS)
    server.routes[base + "group_list"] = group_like(GROUPS)
    server.routes[base + "package_search"] = package_search
    return server.url("/data/")


def read(url, **settings):
    with open_source(
        url, None, make_settings(**{"allow_private_addresses": True, **settings})
    ) as records:
        return list(records)


def serve_user_show(server, accepted=TOKEN):
    def user_show(handler):
        if handler.headers.get("Authorization") == accepted:
            answer(handler, {"name": "harvester"})
        else:  # what CKAN answers an anonymous caller, and a revoked or wrong token
            answer(handler, {"message": "Not found", "__type": "Not Found Error"}, 404)

    server.routes["/data/api/3/action/user_show"] = user_show


def read_with_token(server, certificate):
    settings = make_settings(
        allowed_networks=("127.0.0.1/32",),
        api_tokens={f"https://catalogue.test:{server.port}": TOKEN},
    )
    url = server.url("/data/")
    with open_source(url, None, settings, fetcher=tls_fetcher(settings, certificate)) as records:
        return list(records)


def test_reads_public_datasets_paged_by_id(server):
    records = read(serve_ckan(server))
    kinds = [r.kind for r in records]
    assert kinds == ["organization"] * 30 + ["group"] * 2 + ["dataset"] * 2250
    assert [r.key for r in records[:2]] == ["org-00", "org-01"]
    assert [r.key for r in records if r.kind == "dataset"] == [
        d["id"] for d in DATASETS if not d["private"]
    ]
    # 1,000 + 1,000 + 250: the last page holds all its search counted, no empty page after.
    search_calls = [p for p, _ in server.requests if "package_search" in p]
    assert len(search_calls) == 3
    assert all("Authorization" not in h for _, h in server.requests)


def test_pages_smaller_than_asked_for_are_followed_to_the_end(server):
    """A site whose ckan.search.rows_max is below the page size the reader asks for."""
    serve_ckan(server, rows_max=400)
    records = read(server.url("/data/"))
    assert len([r for r in records if r.kind == "dataset"]) == 2250
    assert len([p for p, _ in server.requests if "package_search" in p]) == 6


def test_token_bound_to_the_origin_brings_private_datasets(make_tls_server, certificate):
    server = make_tls_server()
    serve_ckan(server)
    serve_user_show(server)
    records = read_with_token(server, certificate)
    assert len([r for r in records if r.kind == "dataset"]) == 2500
    assert all(h["Authorization"] == TOKEN for _, h in server.requests)
    assert "/user_show" in server.requests[0][0]


def test_refused_token_fails_before_anything_is_read(make_tls_server, certificate):
    """CKAN answers a revoked token as if anonymous: reading on would miss the private
    datasets, and the job would delete those it synced before."""
    server = make_tls_server()
    serve_ckan(server)
    serve_user_show(server, accepted="another-token")
    with pytest.raises(
        SourceError, match=r"API token configured for https://catalogue\.test:\d+ was refused"
    ):
        read_with_token(server, certificate)
    assert [urlsplit(path).path for path, _ in server.requests] == ["/data/api/3/action/user_show"]


def test_api_error_is_reported_without_the_token(make_tls_server, certificate):
    server = make_tls_server()
    serve_ckan(server)
    serve_user_show(server)
    server.routes["/data/api/3/action/group_list"] = lambda h: reply(
        h, json.dumps({"success": False, "error": {"message": f"bad {TOKEN}"}}).encode()
    )
    with pytest.raises(SourceError) as caught:
        read_with_token(server, certificate)
    assert "group_list failed" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_only_datasets_of_type_dataset_are_read(server):
    others = [
        {"id": f"id-{n:04}-x", "name": f"show-{n}", "private": False, "type": "showcase"}
        for n in range(3)
    ]
    records = read(serve_ckan(server, DATASETS[:5] + others))
    assert [r.key for r in records if r.kind == "dataset"] == [
        "id-0001",
        "id-0002",
        "id-0003",
        "id-0004",
    ]


def test_resources_stored_by_the_source_keep_its_url_and_lose_their_url_type(server):
    stored = {"url": "https://catalogue.test/dataset/d/resource/r/download/data.csv"}
    dataset = {
        "id": "id-1",
        "name": "ds-1",
        "private": False,
        "resources": [
            {**stored, "id": "r", "url_type": "upload", "format": "CSV"},
            {"id": "q", "url": "https://catalogue.test/datastore/dump/q", "url_type": "datastore"},
            {"id": "l", "url": "https://elsewhere.test/file.csv", "url_type": None},
        ],
    }
    [record] = [r for r in read(serve_ckan(server, [dataset])) if r.kind == "dataset"]
    assert record.obj["resources"] == [
        {**stored, "id": "r", "format": "CSV"},
        {"id": "q", "url": "https://catalogue.test/datastore/dump/q"},
        {"id": "l", "url": "https://elsewhere.test/file.csv"},
    ]


def test_an_error_answer_shows_ckans_message(server):
    url = serve_ckan(server)
    error = {
        "message": "Access denied: not authorized to see this",
        "__type": "Authorization Error",
    }
    server.routes["/data/api/3/action/group_list"] = lambda h: reply(
        h, json.dumps({"success": False, "error": error}).encode(), 403
    )
    with pytest.raises(
        SourceError,
        match=r"group_list: HTTP 403 Forbidden: Access denied: not authorized to see this$",
    ):
        read(url)


def test_http_error_names_the_action(server):
    url = serve_ckan(server)
    server.routes["/data/api/3/action/package_search"] = lambda h: reply(h, b"{}", 500)
    with pytest.raises(
        SourceError, match=r"source http://127.0.0.1:\d+/data/: package_search: HTTP 500"
    ):
        read(url)


def test_html_answer_is_not_json(server):
    url = serve_ckan(server)
    server.routes["/data/api/3/action/organization_list"] = lambda h: reply(
        h, b"<html>maintenance</html>", 200, "text/html; charset=utf-8"
    )
    with pytest.raises(SourceError, match=r"organization_list: not JSON \(got text/html\)"):
        read(url)


def test_datasets_out_of_order_are_refused(server):
    url = serve_ckan(
        server, datasets=[{"id": "b", "private": False}, {"id": "a", "private": False}]
    )
    with pytest.raises(SourceError, match="ascending id order"):
        read(url)


def test_server_ignoring_offset_is_refused(server):
    url = serve_ckan(server)
    server.routes["/data/api/3/action/group_list"] = lambda h: answer(h, GROUPS)
    with pytest.raises(SourceError, match="returned group 'g1' twice while paging"):
        read(url)


def test_loopback_ckan_is_refused_by_default(server, connections):
    url = serve_ckan(server)
    with pytest.raises(SourceError, match=r"organization_list: refused address 127\.0\.0\.1"):
        read(url, allow_private_addresses=False)
    assert connections == []


@pytest.mark.parametrize(
    "url",
    [
        "https://ckan.example.org",
        "https://ckan.example.org/",
        "https://ckan.example.org/api",
        "https://ckan.example.org/api/3/",
        "https://ckan.example.org/api/3/action/package_search?q=x",
    ],
)
def test_action_base_url(url):
    assert action_base_url(url) == "https://ckan.example.org/api/3/action"
