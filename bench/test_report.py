"""The bench's printed report becomes the README's reStructuredText without losing a cell."""

from __future__ import annotations

import sys
from pathlib import Path

import docutils.core
import docutils.nodes

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run

REPORT = """Machine: 2 CPUs; code abc1234.

| N | scenario | time (s) | goal | verdict |
|---:|---|---:|---|---|
| 1000 | baseline package_create loop | 145.5 | | |
| 1000 | read + plan (`ckan syncsource plan`'s path) | 5.2 | >= 0.9 | MISSED |

Growth of read + plan: 10,000: 5 s -> 100,000: 52 s.
"""


def test_each_markdown_table_becomes_a_list_table_with_every_cell():
    rst = run.as_rst(REPORT)
    doctree = docutils.core.publish_doctree(rst, settings_overrides={"halt_level": 2})
    (table,) = doctree.findall(docutils.nodes.table)
    rows = [
        [entry.astext() for entry in row.findall(docutils.nodes.entry)]
        for row in table.findall(docutils.nodes.row)
    ]
    assert rows == [
        ["N", "scenario", "time (s)", "goal", "verdict"],
        ["1000", "baseline package_create loop", "145.5", "", ""],
        ["1000", "read + plan (ckan syncsource plan's path)", "5.2", ">= 0.9", "MISSED"],
    ]
    paragraphs = [p.astext() for p in doctree.children if p.tagname == "paragraph"]
    assert paragraphs == [
        "Machine: 2 CPUs; code abc1234.",
        "Growth of read + plan: 10,000: 5 s -> 100,000: 52 s.",
    ]
