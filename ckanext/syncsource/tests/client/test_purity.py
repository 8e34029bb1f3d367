"""The client runs where CKAN is not installed: it imports only the engine and `requests`."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import ckanext.syncsource.client as client

PACKAGE = "ckanext.syncsource.client"
ALLOWED_OWN = (PACKAGE, "ckanext.syncsource.core")
BLOCKED = ("ckan", "ckanext.harvest", "sqlalchemy")


def imported_modules(path: Path) -> set[str]:
    """Absolute names of the modules a client module imports (relative ones resolved)."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = PACKAGE.rsplit(".", node.level - 1)[0] if node.level else ""
            modules.add(".".join(part for part in (base, node.module) if part))
    return modules


def test_the_client_imports_only_the_standard_library_requests_and_the_engine():
    files = sorted(Path(client.__file__).parent.glob("*.py"))
    assert len(files) > 3
    for path in files:
        for module in imported_modules(path):
            top = module.split(".")[0]
            allowed = top in sys.stdlib_module_names or top == "requests"
            allowed = allowed or module.startswith(ALLOWED_OWN)
            assert allowed, f"{path.name} imports {module}"


def test_the_client_imports_with_ckan_unavailable():
    """A module set to None in sys.modules makes every import of it fail."""
    blocker = "; ".join(f"sys.modules[{name!r}] = None" for name in BLOCKED)
    program = (
        f"import sys; {blocker}; "
        "import ckanext.syncsource.client as c; c.SynchronizationClient('http://x')"
    )
    subprocess.run([sys.executable, "-c", program], check=True, timeout=60)
