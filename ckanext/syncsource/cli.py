"""`ckan syncsource ...`: see what a harvest source's next job would do, without doing it."""

from __future__ import annotations

import json

import click
from ckanext.harvest.model import HarvestSource

from .planning import site_state
from .planning.dataset_spool import DatasetSpool
from .planning.plan_refusals import predicted_refusals
from .planning.plan_report import plan_summary, plan_text
from .planning.resolved_source import ConfigError, resolve_source
from .planning.run_plan import PlanFailed, plan_run

__all__ = ["syncsource"]


@click.group(short_help="Commands of ckanext-syncsource.")
def syncsource():
    """Commands of ckanext-syncsource."""


@syncsource.command()
@click.argument("source")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option(
    "--limit", default=20, show_default=True, help="Datasets listed per step (0 lists all)."
)
def plan(source: str, as_json: bool, limit: int):
    """Show what the next job of the syncsource harvest SOURCE (id or name) would create,
    update and delete. Reads the source and the database; writes nothing."""
    harvest_source = HarvestSource.get(source) or HarvestSource.get(
        site_state.package_id_by_name(source) or ""
    )
    if harvest_source is None or harvest_source.type != "syncsource":
        raise click.ClickException(f"{source!r} is not a syncsource harvest source")
    try:
        resolved = resolve_source(harvest_source)
    except ConfigError as e:
        raise click.ClickException(f"invalid source config: {e}") from e
    with DatasetSpool() as spool:
        try:
            run = plan_run(resolved, spool)
        except PlanFailed as e:
            raise click.ClickException(str(e)) from e
        refusals = predicted_refusals(run, spool, resolved)
    summary = plan_summary(run, refusals)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        click.echo(f"Plan of harvest source {source!r} (source_name {resolved.source_name!r}):")
        click.echo(plan_text(summary, limit))
