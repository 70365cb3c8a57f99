"""What the plugin's code does at run time, seen through Python's audit hooks (PEP 578).

One audit hook is added to the conformance process (a hook cannot be removed, so it
returns at once unless a run is being watched) before the plugin is imported, so what
its modules do at import and start-up is seen too. Each event of interest is
attributed to the plugin when the plugin's code made it:

- network (connections, DNS look-ups, binds, datagrams), files written or removed, and
  connections opened to a database: the innermost frame that belongs to the plugin's
  package folder or to the platform (``motcua``, ``motcua_sdk``, the import system)
  decides; libraries in between (urllib, SQLAlchemy, Jinja, code compiled at run
  time) are looked through, so ``urlopen`` called by the plugin is the plugin's, and a
  file the core writes when the plugin calls an SDK service is the core's;
- ``compile``/``exec``/``eval``: only the immediate caller decides (looking through
  code compiled at run time and ``runpy``), since Jinja, SQLAlchemy and dataclasses
  compile code legitimately on the plugin's behalf;
- the platform's modules: an ``import`` of ``motcua``/``motcua.*``, and any attribute
  look-up on those modules (their class is swapped for the run), made by the plugin.

Database engines: ``create_engine`` is wrapped (the platform took its reference before
the run), so an engine the plugin makes is named where it is made; connections a
pool opens are the engine's, and direct ``sqlite3.connect``/``psycopg.connect`` calls
by the plugin are findings.
"""

from __future__ import annotations

import ipaddress
import os
import sys
import types
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

NETWORK_EVENTS = frozenset({"socket.connect", "socket.getaddrinfo", "socket.gethostbyname",
                            "socket.gethostbyaddr", "socket.getnameinfo", "socket.sendto",
                            "socket.sendmsg", "socket.bind"})
# Events whose path arguments are written, created, moved or removed (index of the
# arguments that are targets; the copies' sources are only read).
FILE_EVENTS = {"os.rename": (0, 1), "os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,),
               "os.truncate": (0,), "os.symlink": (1,), "os.link": (1,), "os.chmod": (0,),
               "os.chown": (0,), "os.utime": (0,), "shutil.copyfile": (1,),
               "shutil.copytree": (1,), "shutil.move": (0, 1), "shutil.rmtree": (0,)}
CODE_EVENTS = frozenset({"compile", "exec"})
PROCESS_EVENTS = frozenset({"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn",
                            "os.spawn", "os.fork", "os.forkpty", "os.startfile"})
EVENTS = (NETWORK_EVENTS | CODE_EVENTS | PROCESS_EVENTS | set(FILE_EVENTS)
          | {"open", "import", "sqlite3.connect"})
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost", "localhost.localdomain"})
# Standard-library helpers that run code on their caller's behalf.
CODE_RUNNERS = ("runpy.py", "code.py", "codeop.py")
MAX_FINDINGS = 200
WERKZEUG_FORM_PARSER = os.path.join("werkzeug", "formparser.py")


@dataclass
class Watch:
    """One run being watched: where the plugin and the platform live, what the suite
    itself may reach, and what the plugin was seen doing."""

    plugin_root: str  # its package folder (or single-module file)
    platform_roots: tuple[str, ...]
    allowed_folders: list[str] = field(default_factory=list)
    allowed_addresses: set[tuple[str, int]] = field(default_factory=set)
    allowed_hosts: set[str] = field(default_factory=set)
    findings: dict[str, None] = field(default_factory=dict)  # ordered, without repeats
    events_seen: int = 0
    # Its package was imported before the watch began (in the same process): what its
    # modules did at import time was not seen.
    imported_before: bool = False

    def allow_folder(self, folder: Path) -> None:
        """Let the plugin write inside ``folder`` (an instance folder given to it)."""
        self.allowed_folders.append(os.path.join(os.path.realpath(folder), ""))

    def allow_url(self, url: str | None) -> None:
        """Let connections go to the host and port of ``url`` (the suite's hub, the
        configured database server)."""
        if not url:
            return
        parts = urlsplit(url)
        if parts.hostname:
            self.allowed_hosts.add(parts.hostname)
            default = 5432 if parts.scheme.startswith("postgres") else 80
            self.allowed_addresses.add((parts.hostname, parts.port or default))

    def record(self, kind: str, detail: str, frame: types.FrameType | None) -> None:
        if len(self.findings) < MAX_FINDINGS:
            self.findings[f"{kind}: {detail} (at {self.where(frame)})"] = None

    def where(self, frame: types.FrameType | None) -> str:
        """``file:line`` of ``frame``, relative to the plugin's folder when inside it."""
        if frame is None:
            return "unknown place"
        name = frame.f_code.co_filename
        parent = os.path.dirname(self.plugin_root.rstrip(os.sep))
        if name.startswith(self.plugin_root):
            name = os.path.relpath(name, parent)
        return f"{name}:{frame.f_lineno}"

    # --- attribution -------------------------------------------------------------

    def is_plugin(self, filename: str) -> bool:
        return filename.startswith(self.plugin_root)

    def owner(self, frame: types.FrameType | None, *, through_imports: bool = False
              ) -> types.FrameType | None:
        """The plugin's frame that made the event, or None when the innermost frame of
        the plugin or the platform is the platform's (the import system counts as the
        platform, but for ``through_imports``)."""
        while frame is not None:
            name = frame.f_code.co_filename
            if name.startswith(self.plugin_root):
                return frame
            if name.startswith(self.platform_roots):
                return None
            if name.startswith("<frozen importlib") and not through_imports:
                return None
            frame = frame.f_back
        return None

    def immediate_caller(self, frame: types.FrameType | None) -> types.FrameType | None:
        """The plugin's frame if it called the code-running builtin itself (through
        code it compiled at run time or ``runpy``), else None."""
        while frame is not None:
            name = frame.f_code.co_filename
            runtime_code = name.startswith("<") and not name.startswith("<frozen")
            if not (runtime_code or name.endswith(CODE_RUNNERS)):
                break
            frame = frame.f_back
        if frame is not None and self.is_plugin(frame.f_code.co_filename):
            return frame
        return None

    # --- events --------------------------------------------------------------------

    def on_event(self, event: str, args: tuple, frame: types.FrameType) -> None:
        if event == "open":
            self._opened(args, frame)
        elif event in NETWORK_EVENTS:
            self._network(event, args, frame)
        elif event in CODE_EVENTS:
            self._code(event, args, frame)
        elif event == "import":
            self._imported(args[0], frame)
        elif event == "sqlite3.connect":
            self._direct_connection(f"sqlite3.connect({args[0]!r})", frame)
        elif event in PROCESS_EVENTS:
            owner = self.owner(frame)
            if owner is not None:
                shown = " ".join(repr(arg) for arg in args[:2])[:160]
                self.record("starts a process", f"{event} {shown}", owner)
        else:
            self._file_change(event, args, frame)

    def _opened(self, args: tuple, frame: types.FrameType) -> None:
        path, mode, flags = (tuple(args) + (None, None, None))[:3]
        if isinstance(path, int):
            return  # an open file descriptor: its opening was seen
        if isinstance(mode, str):
            if not any(letter in mode for letter in "wax+"):
                return
        elif not (isinstance(flags, int) and flags & WRITE_FLAGS):
            return
        self._written("writes a file", path, frame)

    def _file_change(self, event: str, args: tuple, frame: types.FrameType) -> None:
        for index in FILE_EVENTS[event]:
            if index < len(args) and not isinstance(args[index], int | type(None)):
                self._written(f"{event}", args[index], frame)

    def _written(self, kind: str, path: object, frame: types.FrameType) -> None:
        try:
            real = os.path.realpath(os.fsdecode(path))
        except (TypeError, ValueError):
            return
        if any(os.path.join(real, "").startswith(folder) for folder in self.allowed_folders):
            return
        owner = self.owner(frame)
        if owner is not None and not _spooling_upload(frame, owner):
            self.record(f"{kind} outside its instance folder", real, owner)

    def _network(self, event: str, args: tuple, frame: types.FrameType) -> None:
        host, port = _address(event, args)
        if host is not None and self._allowed(event, host, port):
            return
        if event == "socket.getaddrinfo" and _is_address(host):
            return  # no name to look up; the connection that follows is what counts
        owner = self.owner(frame)
        if owner is None:
            return
        target = f"{host}:{port}" if port is not None else f"{host}"
        kind = {"socket.connect": "connects to", "socket.bind": "listens on",
                "socket.sendto": "sends to", "socket.sendmsg": "sends to"}.get(
                    event, "looks up the name")
        self.record(f"network ({event})", f"{kind} {target}", owner)

    def _allowed(self, event: str, host: str, port: int | None) -> bool:
        if event == "socket.connect":
            return (host, port) in self.allowed_addresses or (
                host in LOOPBACK and any(p == port for _h, p in self.allowed_addresses))
        if event in ("socket.getaddrinfo", "socket.gethostbyname"):
            return host in LOOPBACK or host in self.allowed_hosts
        return False

    def _code(self, event: str, args: tuple, frame: types.FrameType) -> None:
        caller = self.immediate_caller(frame)
        if caller is None:
            return
        if event == "compile":
            source, filename = (tuple(args) + (None, None))[:2]
            shown = _shorten(source)
            self.record("runs code not in its certified files",
                        f"compile() of {shown} as {filename!r}", caller)
        else:
            code = args[0]
            name = getattr(code, "co_filename", "?")
            if self.is_plugin(name) and os.path.isfile(name):
                return  # its own certified file, compiled by the platform's loader
            self.record("runs code not in its certified files",
                        f"exec()/eval() of code from {name!r}", caller)

    def _imported(self, module: object, frame: types.FrameType) -> None:
        if isinstance(module, str) and _platform(module):
            owner = self.owner(frame, through_imports=True)
            if owner is not None:
                self.record("reaches the platform's internals", f"imports {module}", owner)

    def module_lookup(self, module: types.ModuleType, name: str,
                      frame: types.FrameType, verb: str = "looks up") -> None:
        owner = self.owner(frame, through_imports=True)
        if owner is not None:
            self.record("reaches the platform's internals",
                        f"{verb} {module.__name__}.{name}", owner)

    def engine_created(self, what: str, frame: types.FrameType) -> None:
        owner = self.owner(frame)
        if owner is not None:
            self.record("opens its own database connection", what, owner)

    def _direct_connection(self, what: str, frame: types.FrameType) -> None:
        probe = frame
        while probe is not None:
            if "sqlalchemy" in probe.f_code.co_filename:
                return  # an engine's pool connecting: the engine's maker is attributed
            probe = probe.f_back
        owner = self.owner(frame)
        if owner is not None:
            self.record("opens its own database connection", what, owner)


_ACTIVE: Watch | None = None
_INSTALLED = False


def _hook(event: str, args: tuple) -> None:
    # Called for every audit event of the process, whether a run is watched or not.
    watch = _ACTIVE
    if watch is None or event not in EVENTS:
        return
    watch.events_seen += 1
    watch.on_event(event, args, sys._getframe(1))  # noqa: SLF001 - the event's caller


def _spooling_upload(frame: types.FrameType | None, owner: types.FrameType) -> bool:
    """True when Werkzeug's form parser, reading a request's large upload for the
    plugin's view, spools it to a temporary file: the request's parsing, not the
    plugin's write."""
    while frame is not None and frame is not owner:
        if frame.f_code.co_filename.endswith(WERKZEUG_FORM_PARSER):
            return True
        frame = frame.f_back
    return False


def _platform(module: str) -> bool:
    return module == "motcua" or module.startswith("motcua.")


def _address(event: str, args: tuple) -> tuple[str | None, int | None]:
    if event in ("socket.getaddrinfo",):
        host, port = args[0], args[1]
    elif event in ("socket.gethostbyname", "socket.gethostbyaddr"):
        host, port = args[0], None
    elif event == "socket.getnameinfo":
        host, port = (args[0][0], args[0][1]) if isinstance(args[0], tuple) else (args[0], None)
    else:
        address = args[1] if len(args) > 1 else None
        if isinstance(address, tuple) and len(address) >= 2:
            host, port = address[0], address[1]
        else:
            host, port = address, None
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    try:
        port = int(port) if port is not None else None
    except (TypeError, ValueError):
        port = None
    return (str(host) if host is not None else None), port


def _is_address(host: str | None) -> bool:
    try:
        ipaddress.ip_address(host or "")
    except ValueError:
        return False
    return True


def _shorten(source: object) -> str:
    if isinstance(source, bytes | str):
        text = source if isinstance(source, str) else source.decode("utf-8", "replace")
        first = " ".join(text.split())[:60]
        return f"source {first!r}"
    return type(source).__name__


class _WatchedModule(types.ModuleType):
    """A platform module whose attribute look-ups by the plugin are recorded."""

    def __getattribute__(self, name: str):  # noqa: ANN204
        watch = _ACTIVE
        if watch is not None:
            frame = sys._getframe(1)  # noqa: SLF001 - who looks the attribute up
            if not frame.f_code.co_filename.startswith(watch.platform_roots):
                watch.module_lookup(self, name, frame)
        return types.ModuleType.__getattribute__(self, name)

    def __setattr__(self, name: str, value: object) -> None:
        # Setting an attribute needs no look-up: a plugin replacing a platform
        # function (or this watch's own state) is seen here.
        watch = _ACTIVE
        if watch is not None:
            frame = sys._getframe(1)  # noqa: SLF001
            if not frame.f_code.co_filename.startswith(watch.platform_roots):
                watch.module_lookup(self, name, frame, "sets")
        types.ModuleType.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        watch = _ACTIVE
        if watch is not None:
            frame = sys._getframe(1)  # noqa: SLF001
            if not frame.f_code.co_filename.startswith(watch.platform_roots):
                watch.module_lookup(self, name, frame, "deletes")
        types.ModuleType.__delattr__(self, name)


def watch_platform_modules() -> None:
    """Swap the class of every loaded platform module (``motcua``, ``motcua.*``) for
    :class:`_WatchedModule` (idempotent; call again once more of them are loaded)."""
    for name, module in list(sys.modules.items()):
        if _platform(name) and type(module) is types.ModuleType:
            module.__class__ = _WatchedModule


def _unwatch_platform_modules() -> None:
    for name, module in list(sys.modules.items()):
        if _platform(name) and type(module) is _WatchedModule:
            module.__class__ = types.ModuleType


def _wrap_connectors() -> None:
    """Wrap ``create_engine`` where a plugin would take it from, and psycopg's
    ``connect`` (libpq opens its sockets in C, unseen by the audit hook)."""
    import sqlalchemy
    import sqlalchemy.engine
    import sqlalchemy.engine.create

    original = sqlalchemy.engine.create.create_engine

    def create_engine(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        watch = _ACTIVE
        if watch is not None:
            url = args[0] if args else kwargs.get("url")
            shown = url.render_as_string() if hasattr(url, "render_as_string") else url
            watch.engine_created(f"create_engine({shown!r})", sys._getframe(1))  # noqa: SLF001
        return original(*args, **kwargs)

    create_engine.__wrapped__ = original
    for module in (sqlalchemy, sqlalchemy.engine, sqlalchemy.engine.create):
        module.create_engine = create_engine
    try:
        import psycopg
    except ImportError:
        return
    connect = psycopg.Connection.connect.__func__

    def connect_watched(cls, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        watch = _ACTIVE
        if watch is not None:
            watch._direct_connection("psycopg.connect()", sys._getframe(1))  # noqa: SLF001
        return connect(cls, *args, **kwargs)

    psycopg.Connection.connect = classmethod(connect_watched)
    psycopg.connect = psycopg.Connection.connect


def install() -> None:
    """Add the audit hook and the wrappers (once per process; they cost nothing while
    no run is watched)."""
    global _INSTALLED
    if _INSTALLED:
        return
    _wrap_connectors()
    sys.addaudithook(_hook)
    _INSTALLED = True


def _folder_prefix(path: Path | str) -> str:
    """``path`` resolved, ending in a separator when it is a folder, so that a prefix
    test never matches a sibling (``plugin`` and ``plugin_extra``)."""
    real = os.path.realpath(path)
    return os.path.join(real, "") if os.path.isdir(real) else real


def _platform_roots() -> tuple[str, ...]:
    """The folders (or files) of the loaded platform packages: ``motcua``'s
    subpackages and modules (an editable install spreads them over the source tree)
    and ``motcua_sdk``."""
    import motcua_sdk

    roots = set()
    for name, module in list(sys.modules.items()):
        if not (_platform(name) and name.count(".") == 1):
            continue
        paths = getattr(module, "__path__", None)
        if paths is not None:
            roots |= {_folder_prefix(path) for path in paths if os.path.isdir(path)}
        elif getattr(module, "__file__", None):
            roots.add(os.path.realpath(module.__file__))
    roots |= {_folder_prefix(path) for path in motcua_sdk.__path__}
    return tuple(sorted(roots))


@contextmanager
def watching(plugin_root: Path, package: str):
    """Watch the plugin whose package ``package`` is in the folder (or module file)
    ``plugin_root`` until the block ends; yields the :class:`Watch` collecting the
    findings."""
    global _ACTIVE
    install()
    watch = Watch(plugin_root=_folder_prefix(plugin_root),
                  platform_roots=_platform_roots(), imported_before=package in sys.modules)
    watch_platform_modules()
    _ACTIVE = watch
    try:
        yield watch
    finally:
        _ACTIVE = None
        _unwatch_platform_modules()
