import ast
import sys
from pathlib import Path

import ckanext.syncsource.core as core

FORBIDDEN = ("ckan", "ckanext.harvest", "requests", "sqlalchemy")


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            modules.add(node.module)
    return modules


def test_the_engine_imports_only_the_standard_library():
    files = sorted(Path(core.__file__).parent.glob("*.py"))
    assert len(files) > 5
    for path in files:
        for module in imported_modules(path):
            top = module.split(".")[0]
            assert top in sys.stdlib_module_names, f"{path.name} imports {module}"
            assert not module.startswith(FORBIDDEN), f"{path.name} imports {module}"
