"""``motcua plugin new NAME``: write a working plugin project from the templates in
``templates/scaffold`` (placeholders ``__NAME__``, ``__PACKAGE__`` ...).

The project has a pyproject with the ``motcua.plugins`` entry point, the hooks, a
marshmallow schema, a model, a department screen, an Alembic branch and tests that use
the SDK test kit; they pass as written.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from motcua.core.errors import ValidationError
from motcua.core.plugin_manager.discovery import name_problem

TEMPLATES = Path(__file__).parent / "templates" / "scaffold"
SUFFIX = ".tmpl"
RESERVED = {"core", "sdk", "plugins", "plugin", "lookup", "kiosk", "sms", "conformance"}


def placeholders(name: str) -> dict[str, str]:
    """The values written into the templates for plugin ``name``."""
    return {
        "__PACKAGE__": f"motcua_{name}",
        "__DIST__": f"motcua-plugin-{name.replace('_', '-')}",
        "__TITLE__": name.replace("_", " ").capitalize(),
        "__UPPER__": name.replace("_", "-").upper(),
        # A placeholder in the national code format (1.dddddd) in a range no national
        # procedure uses; the author replaces it with the procedure's real code.
        "__CODE__": f"1.99{zlib.crc32(name.encode()) % 10_000:04d}",
        "__NAME__": name,  # last: the other placeholders contain "__NAME__"-free text
    }


def _fill(text: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def write_plugin(name: str, directory: Path) -> Path:
    """Write the project of plugin ``name`` under ``directory``; returns its folder.
    Refuses a bad or reserved name and an existing folder (nothing is written)."""
    problem = name_problem(name)
    if problem:
        text = str(problem)  # a Message, in the deployment's language
        raise ValidationError(text[0].upper() + text[1:] + ".", field="name")
    if name in RESERVED:
        raise ValidationError(f"The name {name!r} is reserved by motcua; choose another.",
                              field="name")
    values = placeholders(name)
    target = Path(directory) / values["__DIST__"]
    if target.exists():
        raise ValidationError(f"{target} already exists; nothing was written.", field="dir")
    files = sorted(path for path in TEMPLATES.rglob(f"*{SUFFIX}") if path.is_file())
    for source in files:
        relative = _fill(str(source.relative_to(TEMPLATES))[: -len(SUFFIX)], values)
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(_fill(source.read_text(encoding="utf-8"), values),
                               encoding="utf-8")
    return target
