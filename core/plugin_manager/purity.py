"""Detect a plugin that reaches into the platform (``motcua``, ``motcua.core``) instead of
going through the SDK (``motcua_sdk``).

The check reads the plugin's source (it never imports it), so a refused plugin runs no
code at all. The conformance suite reuses :func:`core_imports`. It flags:

- ``import motcua.core...``, ``from motcua.core... import``, and any import of the
  platform package itself (``import motcua``, ``from motcua import core``), which gives
  ``motcua.core`` through attributes;
- the attribute chain ``motcua.core`` (``import motcua as m`` is caught by the import);
- strings naming the platform handed to ``importlib.import_module``, ``__import__``,
  ``importlib.util.find_spec`` or ``sys.modules`` (literals, ``+`` of literals and
  f-strings are folded), and any other string (or ``+`` of strings) starting with
  ``motcua.core``.

A static check cannot see every trick (a name built in a loop, ``exec``); the
conformance suite's isolation checks and the certificate review cover the rest.

Everything inside the plugin's package is checked, its ``tests`` folders and
``conftest.py`` included: the package is what gets installed and run. Only in a project
folder given to ``motcua plugins check`` (a folder that is not itself a package) are
the project's own ``tests``/``test``/``build``/``dist`` folders and ``conftest.py``
outside any package skipped, because a plugin's tests use the SDK test kit, which
imports the core for them.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
from pathlib import Path

PLATFORM = "motcua"
FORBIDDEN = "motcua.core"
# Folders skipped only outside the plugin's package (see module doc).
PROJECT_ONLY_DIRS = {"tests", "test", "build", "dist", "node_modules", ".venv", "venv",
                     ".tox"}
NEVER_PYTHON = {"__pycache__", ".git"}
IMPORTERS = {"import_module", "__import__", "find_spec"}


def _platform(name: str | None) -> bool:
    """True for ``motcua`` and its submodules (not ``motcua_sdk``)."""
    return bool(name) and (name == PLATFORM or name.startswith(PLATFORM + "."))


def _core(name: str) -> bool:
    return name == FORBIDDEN or name.startswith(FORBIDDEN + ".")


def _folded(node: ast.AST) -> str | None:
    """The string ``node`` always evaluates to (literals, ``+`` and f-strings of
    literals), or None when it depends on anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _folded(node.left), _folded(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.JoinedStr):
        parts = [_folded(value) for value in node.values]
        return None if None in parts else "".join(parts)
    return None


def _prefix(node: ast.AST) -> str | None:
    """The literal start of a string expression (``"motcua." + x`` gives ``"motcua."``)."""
    folded = _folded(node)
    if folded is not None:
        return folded
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _prefix(node.left)
    if isinstance(node, ast.JoinedStr) and node.values:
        return _folded(node.values[0])
    return None


def _names_platform(node: ast.AST) -> str | None:
    """The platform module a string expression names (whole or by its literal start)."""
    folded = _folded(node)
    if folded is not None:
        return folded if _platform(folded) else None
    start = _prefix(node)
    if start and (start == PLATFORM or start.startswith(PLATFORM + ".")):
        return start + "…"
    return None


def _is_sys_modules(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "modules"


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings or bare string statements."""
    return {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}


def _imports_in(tree: ast.AST) -> list[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    quiet = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {(node.lineno, alias.name) for alias in node.names
                      if _platform(alias.name)}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and _platform(node.module):
            names = [alias.name for alias in node.names]
            shown = (f"{node.module}.{names[0]}" if node.module == PLATFORM and len(names) == 1
                     else node.module)
            found.add((node.lineno, shown))
        elif (isinstance(node, ast.Attribute) and node.attr == "core"
              and isinstance(node.value, ast.Name) and node.value.id == PLATFORM):
            found.add((node.lineno, FORBIDDEN))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            target = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            from_modules = target == "get" and _is_sys_modules(getattr(func, "value", None))
            named = _names_platform(node.args[0])
            if named and (target in IMPORTERS or from_modules):
                found.add((node.lineno, named))
        elif isinstance(node, ast.Subscript) and _is_sys_modules(node.value):
            named = _names_platform(node.slice)
            if named:
                found.add((node.lineno, named))
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and id(node) not in quiet and _core(node.value)):
            found.add((node.lineno, node.value))
        elif isinstance(node, ast.BinOp | ast.JoinedStr):
            # "motcua" + ".core" kept in a variable for a later import
            folded = _folded(node)
            if folded is not None and _core(folded):
                found.add((node.lineno, folded))
    return sorted(found)


def _is_package(folder: Path) -> bool:
    return (folder / "__init__.py").is_file()


def python_files(root: Path, *, package: bool | None = None) -> list[Path]:
    """The Python files of the plugin under ``root`` (see module doc for what is
    skipped). ``package`` says whether ``root`` is the plugin's package folder (by
    default: it holds an ``__init__.py``)."""
    root = Path(root)
    if root.is_file():
        return [root]
    root_is_package = _is_package(root) if package is None else package
    files = []
    for path in sorted(root.rglob("*.py")):
        folders = path.relative_to(root).parts[:-1]
        if any(part in NEVER_PYTHON for part in folders):
            continue
        inside, folder, skipped = root_is_package, root, False
        for part in folders:
            folder = folder / part
            if not inside and part in PROJECT_ONLY_DIRS:
                skipped = True
                break
            inside = inside or _is_package(folder)
        if skipped or (not inside and path.name == "conftest.py"):
            continue
        files.append(path)
    return files


def core_imports(root: Path, *, package: bool | None = None) -> list[str]:
    """``"file:line imports motcua.core.x"`` for every reach into the platform under
    ``root`` (a package folder, a project folder or one module file); empty if the
    plugin keeps to the SDK. ``package`` as in :func:`python_files`."""
    root = Path(root)
    problems = []
    for path in python_files(root, package=package):
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
