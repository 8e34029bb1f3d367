"""The CKAN reader given the stamps of the content the caller holds: it lists ids, names and
stamps, and downloads only the datasets whose stamp moved (a local server answering `fl` and
id lists as CKAN and Solr do)."""

import json
import re
from urllib.parse import parse_qs, urlsplit

from ckanext.syncsource.sources import open_source
from ckanext.syncsource.sources.ckan_api import source_stamp

from .conftest import make_settings
from .test_ckan_api import answer

STAMP = "2026-11-20T10:00:00.123456"
DATASETS = [
    {"id": f"id-{n:04}", "name": f"ds-{n}", "notes": f"Notes {n}", "metadata_modified": STAMP}
    for n in range(1200)
]


def serve(server, datasets, hide_after_listing=()):
    """`hide_after_listing`: ids deleted at the source between the listing and the download."""

    def package_search(handler):
        p = {k: v[0] for k, v in parse_qs(urlsplit(handler.path).query).items()}
        asked = re.fullmatch(r"\+dataset_type:dataset \+id:\((.*)\)", p["fq"])
        if asked:
            ids = set(re.findall(r'"([^"]*)"', asked.group(1)))
            found = [d for d in datasets if d["id"] in ids and d["id"] not in hide_after_listing]
        else:
            after = re.fullmatch(r'\+dataset_type:dataset(?: \+id:\{"(.*)" TO \*\])?', p["fq"])
            found = [d for d in datasets if d["id"] > (after.group(1) or "")]
        count = len(found)  # as CKAN counts: all that match, not only this page
        found = found[: int(p["rows"])]
        if "fl" in p:  # as the index holds it: milliseconds, "Z"
            fields = p["fl"].split(",")
            found = [{k: d[k] for k in fields} for d in found]
            for d in found:
                d["metadata_modified"] = d["metadata_modified"][:23] + "Z"
        answer(handler, {"count": count, "results": found})

    server.routes["/api/3/action/package_search"] = package_search
    for kind in ("organization", "group"):
        server.routes[f"/api/3/action/{kind}_list"] = lambda handler: answer(handler, [])
    return server.url("/")


def read(url, known):
    settings = make_settings(allow_private_addresses=True)
    with open_source(url, "ckan", settings, known_stamps=known) as records:
        return list(records)


def downloads(server):
    """How many dataset bodies the reader asked for, and how many listing pages."""
    searches = [path for path, _ in server.requests if "package_search" in path]
    listings = [path for path in searches if "fl=" in path]
    return len(searches) - len(listings), len(listings)


def test_only_datasets_whose_stamp_moved_are_downloaded(server):
    edited = {"id-0007", "id-1100"}
    datasets = [
        {**d, "notes": "Edited", "metadata_modified": "2026-11-21T08:00:00.000001"}
        if d["id"] in edited
        else d
        for d in DATASETS
    ]
    new = {"id": "id-9999", "name": "new", "metadata_modified": STAMP}
    gone = "id-0500"
    datasets = [d for d in datasets if d["id"] != gone] + [new]
    url = serve(server, datasets)
    known = {d["id"]: source_stamp(STAMP) for d in DATASETS}

    records = read(url, known)

    by_id = {r.key: r for r in records}
    assert gone not in by_id
    assert len(records) == len(DATASETS)
    content = {r.key for r in records if not r.unchanged}
    assert content == edited | {"id-9999"}
    assert by_id["id-0007"].obj["notes"] == "Edited"
    assert by_id["id-0007"].stamp == "2026-11-21T08:00:00.000"
    assert by_id["id-0001"].obj == {"id": "id-0001", "name": "ds-1"}
    assert by_id["id-0001"].stamp == "2026-11-20T10:00:00.123"
    # Listing pages of 1000 and 200 (the last holds all its search counted: no empty page
    # after it); one download per page that lists changed datasets.
    assert downloads(server) == (2, 2)


def test_without_known_stamps_every_dataset_is_read_in_full(server):
    url = serve(server, DATASETS)
    records = read(url, {})
    assert not any(r.unchanged for r in records)
    assert records[3].obj["notes"] == "Notes 3"
    assert records[3].stamp == source_stamp(STAMP)
    assert downloads(server) == (2, 0)


def test_a_dataset_deleted_between_listing_and_download_is_absent(server):
    changed = {**DATASETS[1], "metadata_modified": "2026-11-22T00:00:00"}
    url = serve(server, [DATASETS[0], changed], hide_after_listing={changed["id"]})
    records = read(url, {d["id"]: source_stamp(STAMP) for d in DATASETS[:2]})
    assert [(r.key, r.unchanged) for r in records] == [("id-0000", True)]


def test_stamps_compare_as_the_index_keeps_them():
    assert source_stamp("2026-11-20T10:00:00.123456") == source_stamp("2026-11-20T10:00:00.123Z")
    assert source_stamp("2026-11-20T10:00:00") == source_stamp("2026-11-20T10:00:00Z")
    assert source_stamp("yesterday") is None
    assert source_stamp(12) is None
    assert json.dumps(source_stamp("2026-11-20T10:00:00+00:00")) == '"2026-11-20T10:00:00.000"'
