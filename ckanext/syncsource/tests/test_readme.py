"""The README is valid reStructuredText and documents every declared config option."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import docutils.core

ROOT = Path(__file__).resolve().parents[3]


def test_the_readme_renders_without_warnings():
    docutils.core.publish_string(
        (ROOT / "README.rst").read_text(),
        writer_name="null",
        settings_overrides={"report_level": 2, "halt_level": 2},
    )


def test_the_readme_config_reference_matches_config_declaration_yaml():
    check = subprocess.run(
        [sys.executable, str(ROOT / "stack" / "config-docs.py"), "--check"],
        capture_output=True,
        text=True,
    )

    assert check.returncode == 0, check.stderr
