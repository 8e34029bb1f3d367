"""Site-wide reader limits and allowances, from the declared `ckanext.syncsource.*` options."""

from __future__ import annotations

import os

import ckan.plugins.toolkit as tk
from ckan import __version__ as ckan_version

from ..sources import ReaderSettings
from ..sources.tokens import token_bindings


def reader_settings() -> ReaderSettings:
    config = tk.config
    return ReaderSettings(
        connect_timeout=config.get("ckanext.syncsource.connect_timeout"),
        read_timeout=config.get("ckanext.syncsource.read_timeout"),
        download_timeout=config.get("ckanext.syncsource.download_timeout"),
        max_bytes=config.get("ckanext.syncsource.max_bytes"),
        max_redirects=config.get("ckanext.syncsource.max_redirects"),
        user_agent=f"ckanext-syncsource (CKAN {ckan_version})",
        max_record_bytes=config.get("ckanext.syncsource.max_record_bytes"),
        max_datasets=config.get("ckanext.syncsource.max_datasets"),
        max_groups=config.get("ckanext.syncsource.max_groups"),
        allow_private_addresses=config.get("ckanext.syncsource.allow_private_addresses"),
        allowed_networks=tuple(config.get("ckanext.syncsource.allowed_networks")),
        local_source_dirs=tuple(config.get("ckanext.syncsource.local_source_dirs")),
        api_tokens=token_bindings(
            config.get("ckanext.syncsource.api_tokens"),
            config.get("ckanext.syncsource.api_token"),
            config.get("ckanext.syncsource.api_token_origin"),
            os.environ,
        ),
    )


def max_name_tries() -> int:
    return tk.config.get("ckanext.syncsource.max_name_tries")
