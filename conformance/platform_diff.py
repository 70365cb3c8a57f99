"""What a plugin changed in the platform: an application built with it compared with one
built without it, and the bindings of the platform's, the SDK's and its libraries'
modules compared before and after it was loaded.

Two kinds of snapshot, both plain dictionaries ``{what: fingerprint}`` so that a
difference names what changed:

- :func:`application_surface`: everything of a Flask application a plugin could add to
  or replace to act outside its own pages: its URL map and view functions, request hooks,
  error handlers, context processors, template globals, filters and tests, its
  configuration, extensions, and its own and its Jinja environment's attributes.
  Functions are fingerprinted by their code (file, line, name), not by identity, so the
  two applications, built by the same code, compare equal, while a function swapped for
  another (even one copying its name with ``functools.wraps``) does not.
- :func:`module_bindings`: every attribute of every loaded module of the platform, the
  SDK and the libraries the platform relies on for its security (and the attributes of
  their classes and module-level objects), kept by identity: a function of
  ``motcua.core``, ``argon2`` or ``flask_login`` rebound, a class method replaced, a
  limit of the suite changed, a view exempted from CSRF protection.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import sys
import types
import weakref
from collections import Counter
from pathlib import Path
from typing import Any

from blinker import Signal
from flask import Flask
from werkzeug.local import LocalProxy
from werkzeug.utils import cached_property as werkzeug_cached_property

from motcua.conformance.leaks import CANARY_CONFIG

# Top-level packages whose module attributes a plugin must not rebind: the platform and
# its SDK, and what they rely on for sessions, passwords, forms, templates and data.
WATCHED_PACKAGES = ("motcua", "motcua_sdk", "flask", "werkzeug", "flask_login", "flask_wtf",
                    "wtforms", "argon2", "itsdangerous", "jinja2", "markupsafe", "sqlalchemy",
                    "flask_babel", "flask_limiter", "marshmallow", "pluggy", "blinker",
                    "hmac", "hashlib", "secrets")
# Attributes the libraries themselves set lazily on first use (caches), not bindings:
# by name, and SQLAlchemy's generated traversal functions by prefix.
LAZY_ATTRIBUTES = frozenset({"__signature__", "_abc_impl", "__abstractmethods__",
                             "__weakref__", "__annotations__", "__wrapped__",
                             "__slotnames__"})
LAZY_PREFIX = "_generated_"
# Packages whose every binding counts, scalars included (the suite's limits, the
# platform's settings); in the libraries, a scalar rebound is a counter or a cache.
OWN_PACKAGES = ("motcua", "motcua_sdk")
SCALARS = (type(None), bool, int, float, str, bytes)
# Registries of Flask keyed by blueprint name (None: every request of the application).
SCOPED_REGISTRIES = ("before_request_funcs", "after_request_funcs", "teardown_request_funcs",
                     "url_value_preprocessors", "url_default_functions",
                     "template_context_processors")
APP_WIDE = "the whole application"
# Set by Flask itself once the application has served a request.
FLASK_BOOKKEEPING = frozenset({"_got_first_request"})
# The suite's own instrumentation of the instances, made by the other checks' watchers:
# their code (a recording WSGI wrapper, a receiver of Flask's request_finished), the
# runtime check's watch state and the personal-data check's configuration canary.
SUITE_FOLDER = str(Path(__file__).resolve().parent)
SUITE_STATE = ("motcua.conformance.audit._ACTIVE",)
SUITE_CONFIGURATION = frozenset({f"configuration {CANARY_CONFIG}"})


def suite_instrumentation(description: str | None) -> bool:
    """True if ``description`` (of an added item or receiver) names the suite's code."""
    return description is not None and SUITE_FOLDER + "/" in description


def describe(value: Any) -> str:
    """A fingerprint of ``value`` that is equal for the same code in two applications:
    a function's code location, a class's name, a scalar's type and hash (never the
    value itself: it may be a secret)."""
    if isinstance(value, LocalProxy):
        # flask's request, session, g...: the same module-level objects in both
        # applications; their attributes would need a request to be read.
        return f"the context proxy #{id(value)}"
    if isinstance(value, functools.partial):
        return f"partial of {describe(value.func)}"
    if isinstance(value, types.MethodType):
        return f"{describe(value.__func__)} bound to a {type(value.__self__).__qualname__}"
    code = getattr(value, "__code__", None)
    if isinstance(code, types.CodeType):
        return f"{code.co_qualname} ({code.co_filename}:{code.co_firstlineno})"
    if isinstance(value, types.CodeType):
        return f"the code of {value.co_qualname} ({value.co_filename}:{value.co_firstlineno})"
    if isinstance(value, type):
        return f"class {value.__module__}.{value.__qualname__}"
    if isinstance(value, types.BuiltinFunctionType | types.ModuleType):
        return f"{type(value).__name__} {getattr(value, '__module__', '')}." \
               f"{getattr(value, '__name__', '')}"
    if value is None or isinstance(value, bool | int | float | str | bytes):
        digest = hashlib.sha256(repr(value).encode("utf-8")).hexdigest()[:12]
        return f"{type(value).__name__} {digest}"
    return f"a {type(value).__module__}.{type(value).__qualname__}"


def code_file(value: Any) -> str | None:
    """The file of ``value``'s code (a function, method or partial), if it has one."""
    if isinstance(value, LocalProxy):
        return None
    while isinstance(value, functools.partial | types.MethodType):
        value = value.func if isinstance(value, functools.partial) else value.__func__
    code = getattr(value, "__code__", None)
    return code.co_filename if isinstance(code, types.CodeType) else None


def application_surface(app: Flask) -> dict[str, str]:
    """``{item: fingerprint}`` of what ``app`` does beyond its modules (see module doc)."""
    found: dict[str, str] = {}
    for rule in app.url_map.iter_rules():
        methods = ",".join(sorted(rule.methods or ()))
        view = app.view_functions.get(rule.endpoint)
        found[f"route {rule.rule} [{methods}] -> {rule.endpoint}"] = describe(view)
    for endpoint, view in app.view_functions.items():
        found[f"view function {endpoint}"] = describe(view)
    for registry in SCOPED_REGISTRIES:
        for scope, functions in getattr(app, registry).items():
            counted = Counter(describe(function) for function in functions)
            for fingerprint, count in counted.items():
                found[f"{registry} [{scope or APP_WIDE}] {fingerprint}"] = str(count)
    for registry in ("teardown_appcontext_funcs", "shell_context_processors"):
        for fingerprint, count in Counter(map(describe, getattr(app, registry))).items():
            found[f"{registry} [{APP_WIDE}] {fingerprint}"] = str(count)
    for scope, by_code in app.error_handler_spec.items():
        for code, handlers in by_code.items():
            for exception, handler in handlers.items():
                found[f"error handler [{scope or APP_WIDE}] {code or ''} "
                      f"{exception.__module__}.{exception.__qualname__}"] = describe(handler)
    environment = app.jinja_env
    for kind, items in (("global", environment.globals), ("filter", environment.filters),
                        ("test", environment.tests)):
        for name, value in items.items():
            found[f"template {kind} {name}"] = describe(value)
    for key, value in app.config.items():
        found[f"configuration {key}"] = _setting(value)
    for name, extension in app.extensions.items():
        found[f"extension {name}"] = describe(type(extension))
    _fill_cached_properties(app)
    app.url_map.update()  # as the first request does (its bookkeeping then compares equal)
    loader = app.jinja_loader
    found["template loader"] = f"{describe(loader)} {getattr(loader, 'searchpath', '')}"
    for name, converter in app.url_map.converters.items():
        found[f"URL converter {name}"] = describe(converter)
    for owner, label in ((app, "application"), (environment, "Jinja environment"),
                         (app.url_map, "URL map")):
        for name, value in vars(owner).items():
            if name not in FLASK_BOOKKEEPING:
                found[f"{label} attribute {name}"] = describe(value)
    return found


def _fill_cached_properties(owner: Any) -> None:
    """Compute ``owner``'s cached properties (Flask's ``logger``, ``jinja_loader``...):
    each is stored as an attribute on first use (the first error logged), so both
    applications must have them before their attributes are compared."""
    for klass in type(owner).__mro__:
        for name, member in list(vars(klass).items()):
            if isinstance(member, functools.cached_property | werkzeug_cached_property):
                getattr(owner, name, None)


def _setting(value: Any) -> str:
    """A configuration value's fingerprint; the platform's settings without the list of
    enabled plugins (the one setting the two applications differ in by design)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type) and hasattr(
            value, "plugins"):
        value = dataclasses.replace(value, plugins=())
    return hashlib.sha256(repr(value).encode("utf-8")).hexdigest()[:16]


@dataclasses.dataclass
class SurfaceChange:
    """One difference between the application with the plugin and the one without."""

    item: str
    before: str | None  # None: added
    after: str | None  # None: removed


def surface_changes(without: dict[str, str], with_plugin: dict[str, str]
                    ) -> list[SurfaceChange]:
    """Every item added, removed or changed, in a stable order."""
    return [SurfaceChange(item, without.get(item), with_plugin.get(item))
            for item in sorted(set(without) | set(with_plugin))
            if without.get(item) != with_plugin.get(item)]


@dataclasses.dataclass(frozen=True)
class Attribution:
    """What belongs to the plugin: its blueprints (by name) and its package's files."""

    blueprints: frozenset[str]
    package_root: Path | None

    def owns_scope(self, scope: str) -> bool:
        """A blueprint name (``a`` or nested ``a.b``) of the plugin."""
        return scope.split(".")[0] in self.blueprints

    def owns_endpoint(self, endpoint: str) -> bool:
        return "." in endpoint and self.owns_scope(endpoint.rsplit(".", 1)[0])

    def owns_code(self, filename: str | None) -> bool:
        if filename is None or self.package_root is None:
            return False
        root = self.package_root.resolve()
        try:
            return Path(filename).resolve().is_relative_to(root)
        except OSError:
            return False


def unattributed(change: SurfaceChange, owner: Attribution, code_files: dict[str, str | None]
                 ) -> str | None:
    """Why ``change`` is not the plugin's to make (None: it is its own addition).

    The plugin may add, never change or remove: routes and view functions only under its
    own blueprints (the routes the screens check guard-checks); request hooks, error
    handlers and context processors only scoped to its blueprints; template filters,
    tests and globals only as new names bound to its own functions. ``code_files`` gives
    the code file of each added item's value."""
    item = change.item
    if change.before is None and (item in SUITE_CONFIGURATION
                                  or suite_instrumentation(change.after)):
        return None  # the suite's own watchers, on the plugin's instance and on none other
    if change.before is not None:
        verb = "removes" if change.after is None else "replaces"
        return f"{verb} {item} of the platform ({change.before} -> {change.after})"
    if item.startswith("route "):
        endpoint = item.rsplit(" -> ", 1)[1]
        if owner.owns_endpoint(endpoint):
            return None
        return (f"adds {item} ({change.after}) outside its blueprints: a route the screens "
                "check does not see; serve pages from the blueprints motcua_blueprints "
                "returns")
    if item.startswith("view function "):
        if owner.owns_endpoint(item.removeprefix("view function ")):
            return None
        return f"adds {item} ({change.after}) outside its blueprints"
    for registry in (*SCOPED_REGISTRIES, "error handler", "teardown_appcontext_funcs",
                     "shell_context_processors"):
        if item.startswith(registry + " ["):
            scope = item[len(registry) + 2:].split("]", 1)[0]
            if scope != APP_WIDE and owner.owns_scope(scope):
                return None
            where = "every page of the platform" if scope == APP_WIDE else f"pages of {scope}"
            return f"adds {item}: it acts on {where}, not only on its own blueprints' pages"
    if item.startswith("template "):
        if owner.owns_code(code_files.get(item)):
            return None
        return (f"adds {item} ({change.after}) to every template of the platform: only "
                "new names bound to the plugin's own functions may be added")
    return f"adds {item} ({change.after})"


def template_code_files(app: Flask) -> dict[str, str | None]:
    """``{"template <kind> <name>": code file}`` for the template items of ``app``."""
    environment = app.jinja_env
    return {f"template {kind} {name}": code_file(value)
            for kind, items in (("global", environment.globals),
                                ("filter", environment.filters),
                                ("test", environment.tests))
            for name, value in items.items()}


# --- module bindings ------------------------------------------------------------------

def watched_modules(excluded: tuple[str, ...] = ()) -> dict[str, types.ModuleType]:
    """The loaded modules of :data:`WATCHED_PACKAGES` (but ``excluded`` packages)."""
    found = {}
    for name, module in list(sys.modules.items()):
        top = name.split(".")[0]
        if (top in WATCHED_PACKAGES and isinstance(module, types.ModuleType)
                and not any(name == ex or name.startswith(ex + ".") for ex in excluded)):
            found[name] = module
    return found


def module_bindings(excluded: tuple[str, ...] = ()) -> dict[str, Any]:
    """``{"module.attribute": object}`` for every watched module (see module doc): its
    attributes, a function's code, the attributes of the classes it defines and of the
    objects it holds (e.g. ``csrf``, ``login_manager``), and the contents of such an
    object's sets (the views exempted from CSRF protection)."""
    bindings: dict[str, Any] = {}
    # An object bound in several modules (``csrf`` imported from motcua.core.extensions)
    # has its attributes recorded once, under the first module that binds it.
    seen: set[int] = set()
    for name, module in watched_modules(excluded).items():
        for attribute, value in list(vars(module).items()):
            key = f"{name}.{attribute}"
            bindings[key] = value
            if id(value) not in seen and _inner_bindings(bindings, key, value, name):
                seen.add(id(value))
    return bindings


def _inner_bindings(bindings: dict[str, Any], key: str, value: Any, module: str) -> bool:
    """Record what ``value`` (bound at ``key`` in ``module``) holds; whether it did."""
    if isinstance(value, types.FunctionType):
        bindings[key + ".__code__"] = value.__code__
        return False  # its code is recorded wherever the function is bound
    if isinstance(value, type):
        if value.__module__ != module:
            return False  # imported from elsewhere: watched where it is defined
        for attribute, member in list(vars(value).items()):
            if attribute not in LAZY_ATTRIBUTES and not attribute.startswith(LAZY_PREFIX):
                bindings[f"{key}.{attribute}"] = member
                if isinstance(member, types.FunctionType):
                    bindings[f"{key}.{attribute}.__code__"] = member.__code__
        return True
    if isinstance(value, types.ModuleType) or type(value).__module__.split(".")[0] not in (
            WATCHED_PACKAGES):
        return False
    if isinstance(value, LocalProxy):
        return False  # current_app, request, session: a context's objects, not bindings
    if isinstance(value, Signal) and not _sdk_signal(value):
        # Flask's and Flask-Login's signals see every request and login; the SDK's are
        # the plugin's to connect to.
        bindings[f"{key} receivers (contents)"] = frozenset(
            describe(receiver) for receiver in _receivers(value))
    try:
        state = object.__getattribute__(value, "__dict__")
    except AttributeError:
        return True
    if not isinstance(state, dict):
        return True
    for attribute, member in list(state.items()):
        bindings[f"{key}.{attribute}"] = member
        if isinstance(member, set | frozenset):
            bindings[f"{key}.{attribute} (contents)"] = frozenset(map(str, member))
    return True


def _counts(key: str, old: Any) -> bool:
    """Whether a change of binding ``key`` (from ``old``) is a finding: any in the
    platform's and the SDK's modules; in a library's, unless it was a scalar (see
    :data:`OWN_PACKAGES`)."""
    return key.split(".")[0] in OWN_PACKAGES or not isinstance(old, SCALARS)


def _sdk_signal(signal: Signal) -> bool:
    """One of the SDK's signals (wherever it is bound): the plugin's to connect to."""
    sdk = sys.modules.get("motcua_sdk.signals")
    return sdk is not None and any(signal is value for value in vars(sdk).values())


def _receivers(signal: Signal) -> list[Any]:
    """The live functions connected to ``signal`` (blinker keeps weak references)."""
    found = []
    for reference in list(signal.receivers.values()):
        receiver = reference() if isinstance(reference, weakref.ref) else reference
        if receiver is not None:
            found.append(receiver)
    return found


def _follows(key: str, before: dict[str, Any], after: dict[str, Any]) -> bool:
    """A function's code that changed because the function itself was rebound (the one
    finding names both)."""
    owner = key.removesuffix(".__code__")
    return owner != key and after.get(owner) is not before.get(owner)


def rebound(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The bindings that differ: rebound or deleted; added ones only on a class (where
    they may shadow what a base class defines, e.g. a login check)."""
    changes = []
    for key, value in before.items():
        if not _counts(key, value) or key.startswith(SUITE_STATE):
            continue
        if key not in after:
            changes.append(f"{key} deleted")
        elif key.endswith("(contents)"):
            added = sorted(entry for entry in after[key] - value
                           if not suite_instrumentation(entry))
            removed = sorted(entry for entry in value - after[key]
                             if not suite_instrumentation(entry))
            if added or removed:
                changes.append(f"{key[:-len(' (contents)')]} changed"
                               + (f": added {', '.join(added)}" if added else "")
                               + (f"; removed {', '.join(removed)}" if removed else ""))
        elif after[key] is not value and not _follows(key, before, after):
            changes.append(f"{key} rebound ({describe(value)} -> {describe(after[key])})")
    for key in after.keys() - before.keys():
        owner = key.rsplit(".", 1)[0]
        if (isinstance(before.get(owner), type) and not key.endswith("__code__")
                and _counts(key, after[key])):
            changes.append(f"{key} added to class {owner} ({describe(after[key])})")
    return sorted(changes)
