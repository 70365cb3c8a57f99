"""The SDK's contract stays documented: every hook and signal in docs/plugins.md, every
hook with an example, every public function with a docstring; version ranges; views."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

import motcua_sdk
from motcua_sdk import (
    DossierView,
    ProcedureSpec,
    api_range_problem,
    errors,
    hookspecs,
    is_compatible,
    numbers,
    services,
    signals,
    testing,
    thaw,
    types,
    versioning,
)

DOCS = (Path(__file__).parent.parent / "docs" / "plugins.md").read_text(encoding="utf-8")


def hook_functions():
    return {name: function for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
            if name.startswith("motcua_")}


def test_every_hook_is_listed_documented_and_exemplified():
    hooks = hook_functions()
    assert set(hooks) == set(hookspecs.HOOK_NAMES)
    for name, function in hooks.items():
        doc = inspect.getdoc(function)
        assert doc and "Example::" in doc and "@hookimpl" in doc, name
        assert f"`{name}(" in DOCS, f"{name} missing from docs/plugins.md"


def test_the_documented_hook_signatures_are_the_sdk_s():
    """The reference table shows each hook with exactly the arguments its spec takes,
    and each docstring's example implements it with some of them (pluggy passes a subset)."""
    for name, function in hook_functions().items():
        arguments = list(inspect.signature(function).parameters)
        assert f"`{name}({', '.join(arguments)})`" in DOCS, (
            f"docs/plugins.md must show `{name}({', '.join(arguments)})`")
        example = inspect.getdoc(function).split("Example::", 1)[1]
        start = example.index(f"def {name}(") + len(f"def {name}(")
        used = [part.strip() for part in example[start:example.index(")", start)].split(",")
                if part.strip()]
        assert set(used) <= set(arguments), (name, used, arguments)


def test_every_signal_is_in_the_docs():
    for signal in signals.LIFECYCLE:
        assert f"| `{signal.name}` |" in DOCS, signal.name


@pytest.mark.parametrize("module", [motcua_sdk, types, services, versioning, errors,
                                    numbers, signals, hookspecs, testing])
def test_every_public_function_and_class_has_a_docstring(module):
    for name, member in inspect.getmembers(module):
        if name.startswith("_") or getattr(member, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(member) or inspect.isclass(member):
            assert inspect.getdoc(member), f"{module.__name__}.{name} has no docstring"


def test_api_ranges():
    assert versioning.MOTCUA_API_VERSION == motcua_sdk.MOTCUA_API_VERSION == "0.2.0"
    assert is_compatible(">=0.2,<0.3")
    assert is_compatible(">=0.1,<0.2")  # a 0.1 plugin still runs (with a notice)
    assert not is_compatible(">=0.3")
    assert "needs motcua API <0.1" in api_range_problem("<0.1")
    assert "declares no MOTCUA_API" in api_range_problem(None)
    assert "not a valid version range" in api_range_problem("0.1 or later")
    assert api_range_problem(">=1.0,<2", version="1.4.0") is None


def test_views_are_read_only_and_thaw_to_json():
    moment = datetime(2026, 1, 5, 8, tzinfo=UTC)
    view = DossierView(
        code="H99-1", procedure_code="1", procedure_name="P", handler_plugin=None,
        unit_code="H99", unit_name="U", channel="in_person", status="received",
        applicant_name="A", applicant_citizen_id=None, applicant_phone=None,
        applicant_email=None, applicant_address=None, applicant_organization=None,
        received_at=moment, due_at=moment, finished_at=None, returned_at=None,
        holder_unit_code="H99", holder_username=None, fee=0, version=1,
        specialist_data={"owners": [{"name": "B"}]})
    with pytest.raises(TypeError):
        view.specialist_data["owners"][0]["name"] = "C"
    with pytest.raises(AttributeError):
        view.specialist_data["owners"].append({})
    assert thaw(view.specialist_data) == {"owners": [{"name": "B"}]}


def test_procedure_specs_check_themselves():
    with pytest.raises(ValueError, match="level"):
        ProcedureSpec(code="1", name="n", field="f", processing_days=1, result_type="r",
                      level="village")
    with pytest.raises(ValueError, match="processing_days"):
        ProcedureSpec(code="1", name="n", field="f", processing_days=0, result_type="r")


def test_services_outside_an_application_say_so(monkeypatch):
    monkeypatch.setattr(services, "_backend", None)
    with pytest.raises(RuntimeError, match="only inside a motcua application"):
        services.current_account()


BLOCK_PLATFORM = """
import importlib.abc, sys

class NoPlatform(importlib.abc.MetaPathFinder):
    # As if only motcua-plugin-sdk were installed: the platform cannot be imported.
    def find_spec(self, name, path=None, target=None):
        if name == "motcua" or name.startswith("motcua."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoPlatform())
import pytest
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "-p", "no:xdist", sys.argv[1]]))
"""


def test_with_the_sdk_alone_pytest_starts_and_the_kit_says_what_to_install(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_alone.py").write_text(
        "from motcua_sdk import hookimpl\n"
        "from motcua_sdk.testing import login\n\n"
        "def test_plain():\n    assert hookimpl and login\n\n"
        "def test_with_the_kit(motcua_app):\n    pass\n")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTEST_", "MOTCUA_"))}
    result = subprocess.run([sys.executable, "-c", BLOCK_PLATFORM, str(tmp_path)],
                            cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=300)
    output = result.stdout + result.stderr
    assert "1 passed, 1 error" in output, output
    assert testing.MISSING_CORE in " ".join(output.split()), output
