"""The plan and the job warn that a CKAN source read without a token hides its private
datasets (CKAN gives an anonymous caller neither them nor their number)."""

from __future__ import annotations

import dataclasses

import pytest

from ckanext.syncsource.planning.run_plan import _hidden_private_warnings
from ckanext.syncsource.planning.source_config import SourceConfig

from .sources.conftest import BASE_SETTINGS

WITH_TOKEN = dataclasses.replace(
    BASE_SETTINGS, api_tokens={"https://catalogue.example.org:443": "tok-1"}
)


@pytest.mark.parametrize(
    ("url", "config", "settings", "warned"),
    [
        ("https://catalogue.example.org/", SourceConfig(), BASE_SETTINGS, True),
        ("https://catalogue.example.org/api/3/action/", SourceConfig(), BASE_SETTINGS, True),
        ("https://catalogue.example.org/", SourceConfig(), WITH_TOKEN, False),
        ("https://catalogue.example.org/dump.json", SourceConfig(), BASE_SETTINGS, False),
        ("https://catalogue.example.org/x", SourceConfig(format="ckan"), BASE_SETTINGS, True),
    ],
)
def test_a_ckan_source_without_a_token_warns_of_hidden_private_datasets(
    url, config, settings, warned
):
    warnings = _hidden_private_warnings(url, config, settings)
    assert bool(warnings) is warned
    if warned:
        assert "private datasets are not visible" in warnings[0]
