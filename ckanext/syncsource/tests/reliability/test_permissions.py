"""Who may use which harvest page, Plan page and action: measured for five kinds of visitor on
the real site (API tokens through the Flask app), printed as a table for the battery, and
compared cell by cell with the rules CKAN, ckanext-harvest and this extension document."""

from __future__ import annotations

import json

from ckan import model
from ckan.tests import factories, helpers
from ckanext.harvest.model import HarvestJob, HarvestObject

from ..harvest_runner import run_job, sysadmin_context
from .conftest import catalogue

ROLES = ("anonymous", "non-member", "editor", "admin", "sysadmin")
EVERYONE = frozenset(ROLES)
EDITORS = frozenset({"editor", "admin", "sysadmin"})
"""Who passes CKAN's `package_update` on a dataset of an organization (the default rules)."""
SYSADMINS = frozenset({"sysadmin"})

# What each may do, with the documented rule it comes from. `<source>`, `<job>`, `<object>`
# are the source's name, its job's id and one of its harvest objects' id.
RULES = [
    ("GET /harvest", EVERYONE, "search of harvest sources: public"),
    ("GET /harvest/<source>", EVERYONE, "harvest_source_show -> package_show, public source"),
    ("GET /harvest/about/<source>", EVERYONE, "harvest_source_show -> package_show"),
    ("GET /harvest/edit/<source>", EDITORS, "package_update"),
    ("GET /harvest/admin/<source>", EDITORS, "harvest_source_update -> package_update"),
    ("GET /harvest/<source>/job", EDITORS, "harvest_job_list -> harvest_source_update"),
    ("GET /harvest/<source>/job/<job>", EDITORS, "harvest_job_show -> harvest_source_update"),
    ("GET /harvest/<source>/plan", EDITORS, "plan_views: harvest_source_update"),
    ("POST /harvest/<source>/plan", EDITORS, "plan_views: harvest_source_update"),
    ("GET /harvest/object/<object>", EDITORS, "syncsource harvest_object_show: source editors"),
    ("harvest_source_show", EVERYONE, "package_show, public source"),
    ("harvest_source_show_status", EVERYONE, "harvest_source_show"),
    ("harvest_source_update", EDITORS, "package_update"),
    ("harvest_source_reindex", EDITORS, "harvest_source_update"),
    ("harvest_job_create", EDITORS, "package_update (chained: one job per source)"),
    ("harvest_job_list", EDITORS, "harvest_source_update"),
    ("harvest_job_show", EDITORS, "harvest_source_update"),
    ("harvest_job_report", EDITORS, "harvest_job_show"),
    ("harvest_object_show", EDITORS, "syncsource: those who may edit the source"),
    ("harvest_jobs_run", SYSADMINS, "sysadmins only"),
    ("harvest_sources_reindex", SYSADMINS, "sysadmins only"),
]


def _headers() -> dict[str, dict]:
    members = {"editor": factories.User(), "admin": factories.User()}
    factories.Organization(
        name="perm-org",
        users=[{"name": user["name"], "capacity": role} for role, user in members.items()],
    )
    users = {"non-member": factories.User(), **members, "sysadmin": factories.Sysadmin()}
    headers = {"anonymous": {}}
    for role, user in users.items():
        headers[role] = {"Authorization": factories.APIToken(user=user["name"])["token"]}
    return headers


def _allowed(answer) -> str:
    """ "yes" when the request got past the access check, "no" when refused, else the status."""
    login = answer.status_code in (301, 302, 303) and "/user/login" in answer.location
    if answer.status_code in (401, 403) or login:
        return "no"
    if answer.status_code in (200, 301, 302, 303, 409):
        return "yes"
    return str(answer.status_code)


def _no_pending_job(source_id: str) -> None:
    """Let the next harvest_job_create through: the job one role just made is set aside."""
    model.Session.remove()
    for job in model.Session.query(HarvestJob).filter_by(source_id=source_id, status="New"):
        job.status = "Finished"
    model.Session.commit()


def _request(app, what: str, headers: dict, source: dict, job_id: str, object_id: str):
    if what.startswith(("GET ", "POST ")):
        method, path = what.split(" ", 1)
        path = path.replace("<source>", source["name"]).replace("<job>", job_id)
        path = path.replace("<object>", object_id)
        return getattr(app, method.lower())(path, headers=headers, follow_redirects=False)
    data = {
        "harvest_source_show": {"id": source["id"]},
        "harvest_source_show_status": {"id": source["id"]},
        "harvest_source_update": {
            **{key: source[key] for key in ("id", "name", "title", "url", "owner_org")},
            "source_type": "syncsource",
            "config": source["config"] or "",
        },
        "harvest_source_reindex": {"id": source["id"]},
        "harvest_job_create": {"source_id": source["id"], "run": False},
        "harvest_job_list": {"source_id": source["id"]},
        "harvest_job_show": {"id": job_id},
        "harvest_job_report": {"id": job_id},
        "harvest_object_show": {"id": object_id},
        "harvest_jobs_run": {"source_id": source["id"]},
        "harvest_sources_reindex": {},
    }[what]
    answer = app.post(f"/api/3/action/{what}", json=data, headers=headers)
    if what == "harvest_job_create":
        _no_pending_job(source["id"])
    return answer


def _table(measured: dict[tuple[str, str], str]) -> str:
    width = max(len(what) for what, _, _ in RULES)
    lines = [f"{'may use':<{width}}  " + "  ".join(f"{role:>10}" for role in ROLES)]
    for what, allowed, _ in RULES:
        cells = []
        for role in ROLES:
            expected = "yes" if role in allowed else "no"
            got = measured[what, role]
            cells.append(f"{got if got == expected else f'{got}!={expected}':>10}")
        lines.append(f"{what:<{width}}  " + "  ".join(cells))
    return "\n".join(lines)


def test_each_visitor_may_use_what_the_documented_rules_allow(case, app, catalogue_dir, request):
    headers = _headers()
    path = catalogue_dir / "catalogue.json"
    source = helpers.call_action(
        "harvest_source_create",
        sysadmin_context(),
        name="battery-permissions",
        title="Battery permissions",
        url=str(path),
        source_type="syncsource",
        owner_org="perm-org",
        config="",
    )
    case.sources.add(source["name"])
    ids = [f"{source['name']}-{n}" for n in range(2)]
    path.write_text(json.dumps(catalogue(ids, org="perm-org")))
    case.expect(source["name"], ids)
    job = run_job(source["id"])
    object_id = model.Session.query(HarvestObject.id).filter_by(harvest_job_id=job["id"]).first()[0]

    measured = {
        (what, role): _allowed(_request(app, what, headers[role], source, job["id"], object_id))
        for what, _, _ in RULES
        for role in ROLES
    }

    table = _table(measured)
    request.node.user_properties.append(("table", table))
    wrong = {
        (what, role): got
        for (what, role), got in measured.items()
        if got != ("yes" if role in dict((w, a) for w, a, _ in RULES)[what] else "no")
    }
    assert wrong == {}, table
