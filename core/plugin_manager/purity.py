"""Detect a plugin that reaches into ``motcua.core`` instead of going through the SDK.

The check reads the plugin's source (it never imports it), so a refused plugin runs no
code at all. The conformance suite reuses :func:`core_imports`. A plugin's tests may use
the SDK test kit, which imports the core for them; folders named ``tests`` and
``conftest.py`` files are therefore not checked.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
from pathlib import Path

FORBIDDEN = "motcua.core"
SKIPPED_DIRS = {"tests", "test", "__pycache__", ".git", "build", "dist", "node_modules"}


def _forbidden(name: str | None) -> bool:
    return bool(name) and (name == FORBIDDEN or name.startswith(FORBIDDEN + "."))


def _imports_in(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if _forbidden(alias.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            if _forbidden(node.module):
                found.append((node.lineno, node.module))
            elif node.module == "motcua" and any(a.name == "core" for a in node.names):
                found.append((node.lineno, "motcua.core"))
        elif isinstance(node, ast.Call) and node.args:
            # importlib.import_module("motcua.core...") / __import__("motcua.core...")
            target = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
                node.func, "id", None)
            first = node.args[0]
            if (target in {"import_module", "__import__"} and isinstance(first, ast.Constant)
                    and isinstance(first.value, str) and _forbidden(first.value)):
                found.append((node.lineno, first.value))
    return sorted(found)


def python_files(root: Path) -> list[Path]:
    """The plugin's own Python files under ``root`` (tests excluded, see module doc)."""
    if root.is_file():
        return [root]
    files = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).parts
        if any(part in SKIPPED_DIRS for part in relative[:-1]) or path.name == "conftest.py":
            continue
        files.append(path)
    return files


def core_imports(root: Path) -> list[str]:
    """``"file:line imports motcua.core.x"`` for every import of the core under ``root``
    (a package folder or one module file); empty if the plugin keeps to the SDK."""
    root = Path(root)
    problems = []
    for path in python_files(root):
        name = path.relative_to(root.parent) if root.is_dir() else path.name
        problems += [f"{name}:{found}" for found in _file_imports(path, path.stat().st_mtime_ns)]
    return problems


@functools.lru_cache(maxsize=4096)
def _file_imports(path: Path, _mtime_ns: int) -> tuple[str, ...]:
    # Every application start checks every enabled plugin: parse a file again only when
    # it changed (the modification time is part of the cache key).
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError) as error:
        return (f" cannot be read ({error})",)
    return tuple(f"{line} imports {module}" for line, module in _imports_in(tree))


def module_source_root(module_name: str) -> Path | None:
    """The folder (package) or file (module) holding the top-level package of
    ``module_name``, found without importing it; None if it cannot be found."""
    top = module_name.split(".")[0]
    spec = importlib.util.find_spec(top)
    if spec is None:
        return None
    if spec.submodule_search_locations:
        locations = list(spec.submodule_search_locations)
        return Path(locations[0]) if locations else None
    return Path(spec.origin) if spec.origin else None
