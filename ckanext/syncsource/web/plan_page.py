"""The Plan page of a syncsource harvest source: /harvest/<source>/plan (and .json).

Only users who may update the source see it (403 for the others and for anonymous visitors).
"""

from __future__ import annotations

import json
from typing import Any

import ckan.plugins.toolkit as tk
from flask import Blueprint, Response

from .plan_job import request_plan, stored_plan

plan_page = Blueprint("syncsource_plan", __name__)

LIST_LIMIT = 50
"""Entries shown per list before "show all"."""


@plan_page.before_request
def _harvest_pages() -> None:
    tk.g.dataset_type = "harvest"  # ckanext-harvest's templates build their links with it


def _source_or_abort(source: str) -> dict[str, Any]:
    context = {"user": tk.current_user.name if tk.current_user else ""}
    try:
        tk.check_access("harvest_source_update", context, {"id": source})
        harvest_source = tk.get_action("harvest_source_show")(context, {"id": source})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Harvest source not found"))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only those who may edit this harvest source see its plan"))
    if harvest_source.get("source_type") != "syncsource":
        return tk.abort(404, tk._("Only syncsource harvest sources have a plan"))
    return harvest_source


def read(source: str):
    harvest_source = _source_or_abort(source)
    state = stored_plan(harvest_source["id"])
    if state is None:
        request_plan(harvest_source["id"], harvest_source["name"])
        state = stored_plan(harvest_source["id"])
    return tk.render(
        "syncsource/plan.html",
        extra_vars={
            "harvest_source": harvest_source,
            "state": state,
            "show_all": tk.request.args.get("all") == "1",
            "limit": LIST_LIMIT,
        },
    )


def recompute(source: str):
    harvest_source = _source_or_abort(source)
    request_plan(harvest_source["id"], harvest_source["name"])
    return tk.redirect_to("syncsource_plan.read", source=harvest_source["name"])


def download(source: str):
    harvest_source = _source_or_abort(source)
    state = stored_plan(harvest_source["id"])
    if state is None or state["status"] != "done":
        return tk.abort(404, tk._("The plan has not been computed yet"))
    return Response(
        json.dumps(state, indent=2, ensure_ascii=False),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{harvest_source["name"]}-plan.json"'
        },
    )


plan_page.add_url_rule("/harvest/<source>/plan", view_func=read, methods=["GET"])
plan_page.add_url_rule("/harvest/<source>/plan", view_func=recompute, methods=["POST"])
plan_page.add_url_rule("/harvest/<source>/plan.json", view_func=download, methods=["GET"])
