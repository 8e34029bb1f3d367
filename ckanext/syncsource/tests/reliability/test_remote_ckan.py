"""`format: ckan` through real harvest jobs against a live CKAN site on loopback (https, with an
API token bound to its origin): first run, unchanged run, a day of edits, the site going down;
and the token, which must never show anywhere on this site."""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qs, urlsplit

import ckan.plugins.toolkit as tk
import pytest
import sqlalchemy as sa
from ckan import model
from ckan.tests import factories

from ..harvest_runner import job_errors, run_job, save_source_config
from ..harvester.site_view import stats
from .invariants import owned_by, stored_digests
from .remote_ckan import RemoteCkan

pytestmark = [pytest.mark.full]


@pytest.fixture(scope="module")
def remote(site, tmp_path_factory):
    server = RemoteCkan(tmp_path_factory.mktemp("remote-ckan"))
    try:
        server.create()
        server.start()
        server.call("organization_create", name="remote-org", title="Remote organization")
        yield server
    finally:
        server.close()


@pytest.fixture
def reads_remote(remote, monkeypatch):
    """This site trusts the remote's certificate and binds the remote's token to its origin."""
    monkeypatch.setenv("SSL_CERT_FILE", str(remote.certificate))
    monkeypatch.setitem(
        tk.config, "ckanext.syncsource.api_tokens", [f"{remote.url}={remote.token}"]
    )
    monkeypatch.setitem(tk.config, "ckanext.syncsource.allowed_networks", ["127.0.0.1/32"])
    return remote


def _remote_dataset(remote: RemoteCkan, name: str, **fields) -> str:
    return remote.call(
        "package_create",
        name=name,
        title=f"Remote {name}",
        owner_org="remote-org",
        resources=[{"url": f"https://data.example.org/{name}.csv", "name": "data"}],
        **fields,
    )["id"]


def _modified(source_name: str) -> dict[str, str]:
    ids = [package_id for _, package_id, _ in owned_by(source_name)]
    rows = model.Session.query(model.Package.id, model.Package.metadata_modified)
    return {
        str(package_id): str(stamp) for package_id, stamp in rows.filter(model.Package.id.in_(ids))
    }


def test_a_remote_ckan_is_harvested_day_after_day_and_a_site_down_changes_nothing(
    case, reads_remote
):
    remote = reads_remote
    ids = [_remote_dataset(remote, f"day-one-{n}") for n in range(3)]
    ids.append(_remote_dataset(remote, "day-one-private", private=True))
    source, source_name = case.new_source(f"{remote.url}/", ids, format="ckan")

    first = run_job(source["id"])
    assert job_errors(first["id"]) == []
    assert stats(first)["added"] == 4
    assert sorted(source_id for source_id, _, _ in owned_by(source_name)) == sorted(ids)
    before = _modified(source_name)

    unchanged = run_job(source["id"])
    assert job_errors(unchanged["id"]) == []
    assert (stats(unchanged)["added"], stats(unchanged)["updated"]) == (0, 0)
    assert stats(unchanged)["deleted"] == 0
    assert _modified(source_name) == before

    remote.call("package_patch", id=ids[0], title="Edited on the remote site")
    remote.call("package_delete", id=ids[1])
    ids = [ids[0], *ids[2:], _remote_dataset(remote, "day-two-new")]
    case.expect(source_name, ids)

    day_two = run_job(source["id"])
    assert job_errors(day_two["id"]) == []
    counts = stats(day_two)
    assert (counts["added"], counts["updated"], counts["deleted"]) == (1, 1, 1)
    edited = next(name for source_id, _, name in owned_by(source_name) if source_id == ids[0])
    assert model.Package.by_name(edited).title == "Edited on the remote site"

    remote.stop()
    try:
        digests = stored_digests()
        down = run_job(source["id"])
        errors = job_errors(down["id"])
        assert stats(down)["added"] + stats(down)["updated"] + stats(down)["deleted"] == 0
        assert stored_digests() == digests
    finally:
        remote.start()
    assert len(errors) == 1, errors
    assert "Connection refused" in errors[0] or "refused" in errors[0].lower(), errors


def _searches(remote: RemoteCkan, since: int) -> list[dict[str, str]]:
    """The parameters of each package_search the remote site answered since log offset
    `since`."""
    paths = re.findall(r'"GET (/api/3/action/package_search\?\S*) HTTP', remote.log()[since:])
    return [{k: v[0] for k, v in parse_qs(urlsplit(path).query).items()} for path in paths]


def _downloaded(searches: list[dict[str, str]]) -> set[str] | str:
    """The ids of the datasets whose content the searches asked for ("all": a full read)."""
    ids: set[str] = set()
    for params in searches:
        if "fl" in params:
            continue
        asked = re.search(r"\+id:\((.*)\)", params["fq"])
        if not asked:
            return "all"
        ids.update(re.findall(r'"([^"]*)"', asked.group(1)))
    return ids


def _planned(job: dict) -> dict[str, int]:
    rows = model.Session.execute(
        sa.text(
            "SELECT e.value, count(*) FROM harvest_object o JOIN harvest_object_extra e "
            "ON e.harvest_object_id = o.id AND e.key = 'syncsource_status' "
            "WHERE o.harvest_job_id = :job GROUP BY e.value"
        ),
        {"job": job["id"]},
    )
    return dict(rows.all())


def test_a_remote_ckan_rerun_downloads_only_the_datasets_modified_there(case, reads_remote):
    remote = reads_remote
    ids = [_remote_dataset(remote, f"incremental-{n}", notes=f"Day one {n}") for n in range(5)]
    others = [source_id for source_id in _remote_ids(remote) if source_id not in ids]
    source, source_name = case.new_source(f"{remote.url}/", ids + others, format="ckan")
    first = run_job(source["id"])
    assert job_errors(first["id"]) == []
    log_at = len(remote.log())

    digests, before = stored_digests(), _modified(source_name)
    unchanged = run_job(source["id"])
    assert job_errors(unchanged["id"]) == []
    assert _planned(unchanged) == {}
    assert (stats(unchanged)["added"], stats(unchanged)["updated"]) == (0, 0)
    assert stats(unchanged)["deleted"] == 0
    assert (stored_digests(), _modified(source_name)) == (digests, before)
    searches = _searches(remote, log_at)
    assert searches and _downloaded(searches) == set()

    remote.call("package_patch", id=ids[0], notes="Edited on day two")
    removed = ids[1]
    remote.call("package_delete", id=removed)
    added = _remote_dataset(remote, "incremental-new", notes="Added on day two")
    ids = [ids[0], *ids[2:], added]
    case.expect(source_name, ids + others)
    log_at = len(remote.log())
    day_two = run_job(source["id"])
    assert job_errors(day_two["id"]) == []
    counts = stats(day_two)
    assert (counts["added"], counts["updated"], counts["deleted"]) == (1, 1, 1)
    assert _downloaded(_searches(remote, log_at)) == {ids[0], added}
    notes = {
        source_id: model.Package.get(package_id).notes
        for source_id, package_id, _ in owned_by(source_name)
    }
    assert notes == {**notes, ids[0]: "Edited on day two", added: "Added on day two"}
    assert removed not in notes

    save_source_config(
        source,
        {"source_name": source_name, "format": "ckan", "dataset_group_merge_strategy": "replace"},
    )
    digests = stored_digests()
    log_at = len(remote.log())
    reconfigured = run_job(source["id"])
    assert job_errors(reconfigured["id"]) == []
    assert _downloaded(_searches(remote, log_at)) == "all"
    assert _planned(reconfigured) == {"update": len(ids + others)}
    assert stored_digests() == digests

    log_at = len(remote.log())
    again = run_job(source["id"])
    assert _planned(again) == {}
    assert _downloaded(_searches(remote, log_at)) == set()


_TABLES = (
    "harvest_object",
    "harvest_object_extra",
    "harvest_gather_error",
    "harvest_object_error",
    "harvest_source",
    "harvest_job",
    "package",
    "resource",
    "activity",
)


def _stored_rows() -> dict[str, str]:
    model.Session.remove()
    return {
        f"table {table}": "\n".join(
            model.Session.execute(sa.text(f"SELECT row_to_json(t)::text FROM {table} t")).scalars()
        )
        for table in _TABLES
    }


def _users() -> dict[str, dict]:
    """Request headers of each kind of visitor."""
    organization_users = {"editor": factories.User(), "admin": factories.User()}
    factories.Organization(
        users=[
            {"name": user["name"], "capacity": role} for role, user in organization_users.items()
        ]
    )
    users = {"non-member": factories.User(), **organization_users, "sysadmin": factories.Sysadmin()}
    headers = {"anonymous": {}}
    for role, user in users.items():
        headers[role] = {"Authorization": factories.APIToken(user=user["name"])["token"]}
    return headers


def test_the_remote_token_never_shows_in_a_page_an_answer_a_stored_row_or_a_log(
    case, reads_remote, app, caplog, request
):
    caplog.set_level(logging.DEBUG)
    remote = reads_remote
    ids = [_remote_dataset(remote, "token-probe", notes="Read with a token", private=True)]
    ids += [source_id for source_id in _remote_ids(remote) if source_id not in ids]
    source, source_name = case.new_source(f"{remote.url}/", ids, format="ckan")
    job = run_job(source["id"])
    assert job_errors(job["id"]) == []
    seen: dict[str, str] = {}

    host = remote.url.removeprefix("https://")
    with_credentials = f"https://battery:{remote.token}@{host}/"
    sources = [source]
    try:
        sources.append(case.new_source(with_credentials, (), format="ckan")[0])
        seen["job of a source URL with credentials"] = "\n".join(
            job_errors(run_job(sources[-1]["id"])["id"])
        )
    except tk.ValidationError as e:
        seen["refusal of a source URL with credentials"] = str(e.error_dict)

    datasets = [name for _, _, name in owned_by(source_name)]
    objects = model.Session.execute(
        sa.text("SELECT id FROM harvest_object WHERE harvest_source_id = :id"), {"id": source["id"]}
    ).scalars()
    pages = ["/harvest", f"/harvest/{source['name']}/job/{job['id']}"]
    answers = [("harvest_job_show", {"id": job["id"]}), ("harvest_job_report", {"id": job["id"]})]
    for shown in sources:
        name = shown["name"]
        pages += [f"/harvest/{name}", f"/harvest/edit/{name}", f"/harvest/about/{name}"]
        pages += [f"/harvest/admin/{name}", f"/harvest/{name}/job", f"/harvest/{name}/plan"]
        answers += [("harvest_source_show", {"id": shown["id"]})]
    pages += [f"/harvest/object/{object_id}" for object_id in objects]
    pages += [f"/dataset/{name}" for name in datasets]
    answers += [("package_show", {"id": name}) for name in datasets]
    answers += [("package_search", {"q": "*:*", "include_private": True, "rows": 1000})]
    for role, headers in _users().items():
        for page in pages:
            seen[f"{role}: page {page}"] = app.get(page, headers=headers).get_data(as_text=True)
        for action, data in answers:
            answer = app.post(f"/api/3/action/{action}", json=data, headers=headers)
            seen[f"{role}: {action} {data}"] = answer.get_data(as_text=True)
    seen.update(_stored_rows())
    seen["this site's log"] = caplog.text
    seen["the remote site's log"] = remote.log()

    leaked = sorted(where for where, text in seen.items() if remote.token in text)
    request.node.user_properties.append(("secrets leaked", len(leaked)))
    assert leaked == []
    assert any("Read with a token" in text for where, text in seen.items() if "sysadmin" in where)


def _remote_ids(remote: RemoteCkan) -> list[str]:
    found = remote.call("package_search", q="*:*", include_private=True, rows=1000)
    return [dataset["id"] for dataset in found["results"]]
