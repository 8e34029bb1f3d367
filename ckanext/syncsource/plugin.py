"""Plugin registration: the `syncsource` harvester with its config declarations, actions, auth
functions, CLI, and its pages (the Plan page, help on the source form)."""

from __future__ import annotations

from pathlib import Path

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from .harvester import SyncSourceHarvester
from .web import source_form_help
from .web.plan_page import plan_page


@tk.blanket.config_declarations
@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.cli
class SyncSourcePlugin(SyncSourceHarvester):
    """Registered as `syncsource`; the stages live in `SyncSourceHarvester`."""

    p.implements(p.IConfigurer)
    p.implements(p.IConfigurable)
    p.implements(p.IBlueprint)
    p.implements(p.ITemplateHelpers)

    def update_config(self, config) -> None:
        tk.add_template_directory(config, "templates")

    def configure(self, config) -> None:
        # Our templates extend ckanext-harvest's source pages of the same names, so they must be
        # found first, though `harvest` comes first in ckan.plugins (which puts its templates
        # first). Runs after CKAN computed the template paths, before it builds the loader.
        ours = str(Path(__file__).parent / "templates")
        paths = config["computed_template_paths"]
        if ours in paths:
            paths.remove(ours)
            paths.insert(0, ours)

    def get_blueprint(self):
        return [plan_page]

    def get_helpers(self):
        return source_form_help.get_helpers()
