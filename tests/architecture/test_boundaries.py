"""The structural rules of docs/architecture.md, checked on the source so they hold without
anyone remembering them: the layers (import-linter's contracts in pyproject.toml), no app
using another app's private names, and no app writing another app's models directly."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "helpline"

#: ORM calls that write (on a manager or a queryset).
WRITES = {"update", "create", "delete", "bulk_create", "bulk_update"}
WRITES |= {"get_or_create", "update_or_create"}

#: Apps allowed to write other apps' models directly, and why.
WRITERS_OF_OTHERS = {
    # The demo loader seeds a fresh database in bulk, as a fixture would: its rows are made
    # up, nobody's action is being recorded.
    "demo",
}


def _modules() -> Iterator[tuple[str, Path, ast.Module]]:
    """(app, path, tree) of every module of the package outside migrations and tests."""
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if len(rel.parts) < 2 or "migrations" in rel.parts or "tests" in rel.parts:
            continue
        yield rel.parts[0], path, ast.parse(path.read_text(encoding="utf-8"))


def _app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "helpline" and len(parts) > 1 else None


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_the_layer_contracts_hold() -> None:
    """lint-imports (also run by ``make lint``): an app imports only from its own layer and
    the layers below it; the exceptions are listed, with their issue, in pyproject.toml."""
    importlinter_cli = pytest.importorskip("importlinter.cli")
    config = str(PACKAGE.parents[1] / "pyproject.toml")
    assert importlinter_cli.lint_imports(config_filename=config, no_cache=True) == 0


def test_no_app_imports_another_apps_private_names() -> None:
    found = []
    for app, path, tree in _modules():
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            other = _app_of(node.module)
            if other is None or other == app:
                continue
            private_module = any(_private(part) for part in node.module.split("."))
            for alias in node.names:
                if private_module or _private(alias.name):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {alias.name}")
    assert found == []


def test_no_app_writes_another_apps_models_directly() -> None:
    """Writes go through the owning app's services (audited, events recorded): a model
    imported from another app's ``models`` is never updated, created or deleted through its
    manager here. (Routing's overflow used to move the case's queue this way, unaudited, and
    the web form created the portal's submissions itself.)"""
    found = []
    for app, path, tree in _modules():
        if app in WRITERS_OF_OTHERS:
            continue
        foreign: dict[str, str] = {}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.endswith(".models")
                and _app_of(node.module) not in (None, app)
            ):
                for alias in node.names:
                    foreign[alias.asname or alias.name] = node.module
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in WRITES
            ):
                continue
            chain: ast.expr = node.func.value
            while isinstance(chain, ast.Call | ast.Attribute):
                if (
                    isinstance(chain, ast.Attribute)
                    and chain.attr == "objects"
                    and isinstance(chain.value, ast.Name)
                ):
                    if chain.value.id in foreign:
                        found.append(
                            f"{path.relative_to(PACKAGE)}:{node.lineno} "
                            f"{foreign[chain.value.id]}.{chain.value.id} .{node.func.attr}()"
                        )
                    break
                chain = chain.func if isinstance(chain, ast.Call) else chain.value
    assert found == []
