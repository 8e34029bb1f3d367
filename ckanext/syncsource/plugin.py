"""Plugin registration: the `syncsource` harvester with its config declarations, actions, CLI,
and its pages (the Plan page, help on the source form)."""

from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from . import source_form_help
from .harvester import SyncSourceHarvester
from .plan_views import plan_page


@tk.blanket.config_declarations
@tk.blanket.actions
@tk.blanket.cli
class SyncSourcePlugin(SyncSourceHarvester):
    """Registered as `syncsource`; the stages live in `SyncSourceHarvester`."""

    p.implements(p.IConfigurer)
    p.implements(p.IBlueprint)
    p.implements(p.ITemplateHelpers)

    def update_config(self, config) -> None:
        tk.add_template_directory(config, "templates")

    def get_blueprint(self):
        return [plan_page]

    def get_helpers(self):
        return source_form_help.get_helpers()
