"""The engine, the readers and the client import no CKAN: they run and are tested without it.

Each package may import the standard library, the third-party packages named here and the
named packages of this project, nothing else; and it imports with CKAN made unavailable.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

PURE_PACKAGES = {
    # package: (third-party packages it may use, packages of this project it may use)
    "ckanext.syncsource.core": ((), ()),
    "ckanext.syncsource.sources": (("ijson", "urllib3"), ()),
    "ckanext.syncsource.client": (("requests",), ("ckanext.syncsource.core",)),
}
CKAN = ("ckan", "ckanext.harvest", "sqlalchemy")


def imported_modules(package: str, path: Path) -> set[str]:
    """Absolute names of the modules a module of `package` imports (relative ones resolved)."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            modules.add(".".join(part for part in (base, node.module) if part))
    return modules


@pytest.mark.parametrize("package", sorted(PURE_PACKAGES))
def test_the_package_imports_only_what_it_may(package):
    third_party, own = PURE_PACKAGES[package]
    files = sorted(Path(importlib.import_module(package).__file__).parent.glob("*.py"))
    assert len(files) > 3
    for path in files:
        for module in imported_modules(package, path):
            top = module.split(".")[0]
            allowed = top in sys.stdlib_module_names or top in third_party
            allowed = allowed or module.startswith((package, *own))
            assert allowed, f"{package}: {path.name} imports {module}"


@pytest.mark.parametrize("package", sorted(PURE_PACKAGES))
def test_the_package_imports_with_ckan_unavailable(package):
    """A module set to None in sys.modules makes every import of it fail."""
    blocker = "; ".join(f"sys.modules[{name!r}] = None" for name in CKAN)
    program = (
        f"import sys, pkgutil, importlib; {blocker}; import {package} as p; "
        "[importlib.import_module(f'{p.__name__}.{m.name}') "
        "for m in pkgutil.iter_modules(p.__path__)]"
    )
    subprocess.run([sys.executable, "-c", program], check=True, timeout=60)
