"""Plugin registration: the `syncsource` harvester with its config declarations, actions, auth
functions and CLI."""

from __future__ import annotations

import ckan.plugins.toolkit as tk

from .harvester import SyncSourceHarvester


@tk.blanket.config_declarations
@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.cli
class SyncSourcePlugin(SyncSourceHarvester):
    """Registered as `syncsource`; the stages live in `SyncSourceHarvester`."""
