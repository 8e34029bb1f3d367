"""Write the site configuration reference into README.rst, from config_declaration.yaml.

Usage: .state/venv/bin/python stack/config-docs.py [--check]
With --check, exit 1 (and say so) when the README is out of date instead of writing it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.rst"
START, END = ".. config-docs-start\n", ".. config-docs-end\n"


def generated() -> str:
    ckan = Path(sys.executable).with_name("ckan")
    docs = subprocess.run(
        [str(ckan), "-c", str(ROOT / "test.ini"), "config", "docs", "-f", "rst", "syncsource"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    # The generated title duplicates the README's section title; keep the options only, as
    # subsections of that section.
    options = docs[docs.index(".. _ckanext.syncsource.") :]
    options = re.sub(r"(?m)^\^+$", lambda m: "-" * len(m.group()), options)
    return options.replace("\t", "    ").rstrip() + "\n"


def with_docs(text: str, docs: str) -> str:
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{docs}\n{END}{tail}"


def main() -> None:
    current = README.read_text()
    wanted = with_docs(current, generated())
    if current == wanted:
        return
    if "--check" in sys.argv:
        sys.exit("README.rst's configuration reference is out of date: run stack/config-docs.py")
    README.write_text(wanted)


if __name__ == "__main__":
    main()
