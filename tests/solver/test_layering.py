"""The solver stays pure: it imports neither dispatch, web, Flask, SQLAlchemy nor geopy."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import solver

FORBIDDEN = {"dispatch", "web", "flask", "sqlalchemy", "geopy", "alembic"}
SOLVER_FILES = sorted(Path(solver.__file__).parent.rglob("*.py"))


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("path", SOLVER_FILES, ids=[p.name for p in SOLVER_FILES])
def test_solver_module_imports_nothing_above_it(path: Path) -> None:
    """No solver module imports a higher layer or a web/database library."""
    assert not _imported_roots(path) & FORBIDDEN


def test_dispatch_never_imports_web_or_flask() -> None:
    """dispatch/ sits below web/: no module of it imports web or Flask.

    The command-line entry points are the exception: they import web lazily, to serve and to time the pages.
    """
    root = Path(solver.__file__).parents[1] / "dispatch"
    entry_points = {"cli.py", "bench_cli.py"}
    offenders = [
        p.name for p in root.rglob("*.py") if p.name not in entry_points and _imported_roots(p) & {"web", "flask"}
    ]
    assert offenders == []
