"""What a check finds: its status and the evidence behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PASS, FAIL, NOT_APPLICABLE, NOT_RUN = "pass", "fail", "not applicable", "not run"


class CheckAborted(Exception):  # noqa: N818 - a control-flow signal, not an error kind
    """Raised by a check that cannot go on (its failure is already recorded)."""


@dataclass
class CheckResult:
    """One named check: ``status`` is pass, fail, not applicable or not run; ``evidence``
    the lines a reader needs to see why (failures first when it failed)."""

    name: str
    title: str
    status: str = PASS
    evidence: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    data: dict[str, Any] = field(default_factory=dict)

    def ok(self, line: str) -> None:
        """Record something that was verified."""
        self.evidence.append(line)

    def fail(self, line: str) -> None:
        """Record a failure: the check fails, and goes on unless told otherwise."""
        self.failures.append(line)
        self.status = FAIL

    def abort(self, line: str) -> None:
        """Record a failure after which the check cannot go on."""
        self.fail(line)
        raise CheckAborted(line)

    def not_applicable(self, why: str) -> None:
        """The plugin has nothing this check could look at (never a pass)."""
        if self.status != FAIL:
            self.status = NOT_APPLICABLE
        self.evidence.append(why)

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "status": self.status,
                "failures": self.failures, "evidence": self.evidence,
                "seconds": round(self.seconds, 3), "data": self.data}
