"""What the checks of one run share: the plugin, the instances, and what was observed."""

from __future__ import annotations

from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from motcua.conformance.instance import Instance
from motcua.conformance.leaks import LeakWatch
from motcua.conformance.target import Target
from motcua_sdk.types import SampleDossier


@dataclass
class Snapshot:
    """What the public channels said of a dossier in one state."""

    code: str
    state: str
    channels: dict[str, dict[str, Any]]
    hook_fields: dict[str, str]
    sample: SampleDossier


@dataclass
class RunContext:
    """Shared by the checks of one run; filled as they go."""

    target: Target
    workdir: Path
    stack: ExitStack
    postgres_admin_url: str | None = None
    manager: Any = None  # a PluginManager with only the plugin, once the contract holds
    # Plugins it works with (MOTCUA_WORKS_WITH), enabled beside it in the instances, and
    # the settings it asks the suite's province to be run with.
    works_with: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)
    node: Instance | None = None
    hub: Instance | None = None
    hub_url: str | None = None
    samples: list[SampleDossier] = field(default_factory=list)
    # sample index -> dossier code, for dossiers that went through the whole lifecycle
    finished: dict[int, str] = field(default_factory=dict)
    in_processing: list[str] = field(default_factory=list)  # codes left mid-way
    result_numbers: list[str] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    cpu_waits: dict[str, float] = field(default_factory=dict)  # hook -> seconds left out
    core_writes: list[str] = field(default_factory=list)  # writes to core tables by the plugin
    instance_error: str | None = None
    # What the screens check's GET requests wrote ("GET <path> as <role> ... wrote <tables>")
    # and how many it watched: the safe_gets check's findings.
    get_writes: list[str] = field(default_factory=list)
    gets_watched: int = 0
    # Why sample dossiers could not be taken in: the cause other checks' findings (no
    # dossier to sync, pages with nothing to show) follow from, named in their messages.
    intake_failures: list[str] = field(default_factory=list)
    # What the plugin's own code was seen doing at run time (an audit.Watch).
    runtime: Any = None
    # Secrets and public pages seen in the instances' answers, logs and sync batches.
    leaks: LeakWatch = field(default_factory=LeakWatch)
    # Samples generated from the schemas (motcua.conformance.generated), appended to
    # ``samples``: index -> how each was made ("1.001612 optional fields empty").
    generated: dict[int, str] = field(default_factory=dict)
    # Dossiers of the HTML-canary samples (finished and in processing), whose pages the
    # injection check requests; and what every HTML answer of the node showed unescaped.
    canary_codes: list[str] = field(default_factory=list)
    unescaped: list[str] = field(default_factory=list)
    # The platform check's snapshots (module bindings, the node application's surface).
    platform: dict[str, Any] = field(default_factory=dict)

    def intake_cause(self) -> str:
        """``""``, or a sentence naming why no dossier of the plugin could be taken in,
        to add to a finding that follows from it."""
        if not self.intake_failures:
            return ""
        return (" (the cause: the desk could not take its sample dossiers in: "
                f"{self.intake_failures[0]})")

    def blueprint_names(self) -> set[str]:
        """Names of the plugin's blueprints registered on the node."""
        if self.node is None:
            return set()
        manager = self.node.manager
        return {blueprint.name for name, blueprint in manager.collect("motcua_blueprints")
                if name == self.target.name}
