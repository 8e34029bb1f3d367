"""The package layout the README draws: which part may import which.

The engine, the readers and the client import no CKAN: they run and are tested without it,
and they import with CKAN made unavailable.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = "ckanext.syncsource"
ROOT = Path(importlib.import_module(PACKAGE).__file__).parent
CKAN = ("ckan", "ckanext.harvest", "sqlalchemy", "flask", "click")

MAY_IMPORT = {
    # part: parts of this project it may import
    "core": set(),
    "sources": set(),
    "client": {"core"},
    "interfaces": set(),
    "planning": {"core", "sources", "interfaces"},
    "harvest": {"core", "planning", "interfaces"},
    "web": {"core", "sources", "planning"},
    "logic": {"planning", "harvest", "sources"},
    "harvester": {"harvest", "planning"},
    "cli": {"planning"},
    "plugin": {"harvester", "web"},
}
PURE = {
    # part: the third-party packages it may use (and nothing of CKAN)
    "core": (),
    "sources": ("ijson", "urllib3"),
    "client": ("requests",),
}


def part_of(module: str) -> str:
    return module.removeprefix(f"{PACKAGE}.").split(".")[0]


def imported_modules(module: str, path: Path) -> set[str]:
    """Absolute names of the modules `module` (at `path`) imports, relative ones resolved."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            name = ".".join(part for part in (base, node.module) if part)
            # `from . import x` may import the module x
            modules.update(f"{name}.{alias.name}" for alias in node.names)
    return modules


def package_modules() -> dict[str, Path]:
    """The package's modules (tests excluded) by name."""
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).with_suffix("")
        if relative.parts[0] == "tests":
            continue
        parts = [part for part in relative.parts if part != "__init__"]
        found[".".join([PACKAGE, *parts])] = path
    return found


def test_every_part_of_the_package_has_import_rules():
    parts = {part_of(module) for module in package_modules() if module != PACKAGE}
    assert parts == set(MAY_IMPORT)


def test_each_part_imports_only_the_parts_it_may():
    wrong = []
    for module, path in package_modules().items():
        if module == PACKAGE:
            continue
        part = part_of(module)
        for imported in imported_modules(module, path):
            if not imported.startswith(f"{PACKAGE}."):
                continue
            target = part_of(imported)
            if target != part and target not in MAY_IMPORT[part]:
                wrong.append(f"{module} imports {imported}")
    assert wrong == []


@pytest.mark.parametrize("part", sorted(PURE))
def test_a_pure_part_imports_only_the_standard_library_and_its_own_packages(part):
    allowed = (f"{PACKAGE}.{part}", *(f"{PACKAGE}.{own}" for own in MAY_IMPORT[part]))
    modules = {m: p for m, p in package_modules().items() if part_of(m) == part}
    assert len(modules) > 3
    for module, path in modules.items():
        for imported in imported_modules(module, path):
            top = imported.split(".")[0]
            ok = top in sys.stdlib_module_names or top in PURE[part]
            assert ok or imported.startswith(allowed), f"{module} imports {imported}"


@pytest.mark.parametrize("part", sorted(PURE))
def test_a_pure_part_imports_with_ckan_unavailable(part):
    """A module set to None in sys.modules makes every import of it fail."""
    blocker = "; ".join(f"sys.modules[{name!r}] = None" for name in CKAN)
    program = (
        f"import sys, pkgutil, importlib; {blocker}; import {PACKAGE}.{part} as p; "
        "[importlib.import_module(f'{p.__name__}.{m.name}') "
        "for m in pkgutil.iter_modules(p.__path__)]"
    )
    subprocess.run([sys.executable, "-c", program], check=True, timeout=60)
