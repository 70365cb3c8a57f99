"""Results: every result the plugin issues gets a number no other result has, across a
day change, a year change, and when two officers issue at the same moment.

For each procedure of the plugin, four new dossiers are taken in at the desk and the
plugin's ``motcua_issue_result`` is called on them as the core calls it, each in its own
committed transaction: one on 31 December of this year, one on 1 January of the next
(the clock moved for the plugin's code and the core: :mod:`motcua.conformance.clock`),
and two more on 1 January from two threads with their own database connections, started
together, each holding its transaction open a moment after the hook answered, so each
hook reads the register before the other's write is committed (as on PostgreSQL, where
two officers' requests on different dossiers do not wait for each other).

An issue that fails (a unique number taken meanwhile, the plugin's code crashing) is
what an officer sees as an error and retries: it is retried once, and only a second
failure is a finding. An issue the plugin refuses by its own rule (a ``PluginError``:
"this business name is already registered", "the household has terminated") is no
finding: the copies of a sample may be ones its rules admit once only.

The numbers, with those the lifecycle issued, must all differ, but for a number the
dossier's own specialist data names: a change of registration ``99A8000001`` may be
issued under that same number (the number of a lasting subject, not a new one).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from motcua.conformance import driver
from motcua.conformance.clock import core_clock_at, plugin_clock_moved
from motcua.conformance.context import RunContext
from motcua.conformance.results import CheckResult
from motcua.core import timeutil
from motcua.core.models import Account, Dossier
from motcua.core.plugin_manager.dossiers import dossier_handler, issue_result
from motcua.core.testing import USERNAMES
from motcua_sdk.errors import PluginError
from motcua_sdk.types import thaw

TITLE = "Results: distinct numbers across a day change, a year change and at once"
# How long each concurrent issue keeps its transaction open after the hook answered:
# long enough for the other thread's hook to read the register meanwhile.
HOLD_SECONDS = 0.5
ISSUER = "leader"


@dataclass(frozen=True)
class Issued:
    """One result number and where it came from."""

    number: str
    when: str
    named_by_data: bool  # the dossier's specialist data names it (a lasting subject)


def run(ctx: RunContext, result: CheckResult) -> None:
    if ctx.node is None:
        result.abort(f"no instance could be built: {ctx.instance_error}")
    name = ctx.target.name
    if not ctx.node.manager.implements(name, "motcua_issue_result"):
        result.not_applicable("the plugin issues no result (no motcua_issue_result)")
        return
    year = timeutil.local(timeutil.now()).year
    # Noon in Vietnam, so the date is the same in every time zone a server may use.
    december = datetime(year, 12, 31, 5, tzinfo=UTC)
    january = datetime(year + 1, 1, 1, 5, tzinfo=UTC)
    issued = _lifecycle_results(ctx)
    package = ctx.target.module_name.split(".")[0]
    procedures, refusals, retries = 0, [], []
    for sample in {s.procedure_code: s for s in ctx.samples}.values():
        codes = _take_in(ctx, sample, 4, result)
        if not codes:
            continue
        procedures += 1
        where = sample.procedure_code
        named = _texts(thaw(sample.specialist_data))
        with plugin_clock_moved(package, december):
            answers = [(_retried(ctx, codes[0], december, retries), f"on 31/12/{year}")]
        with plugin_clock_moved(package, january):
            answers.append((_retried(ctx, codes[1], january, retries),
                            f"on 01/01/{year + 1}"))
            for code, answer in zip(codes[2:], _at_once(ctx, codes[2:], january), strict=True):
                answers.append((_retried(ctx, code, january, retries, answer),
                                f"on 01/01/{year + 1}, two at once"))
        for answer, when in answers:
            _record(issued, refusals, answer, f"{where} {when}", named, result)
    if not procedures:
        result.not_applicable("no dossier of the plugin's own procedures could be taken in"
                              + ctx.intake_cause())
        return
    for line in refusals[:5]:
        result.ok(f"refused by the plugin's own rule (not a finding): {line}")
    for line in retries[:5]:
        result.ok(f"failed once and retried, as the officer would: {line}")
    _distinct(issued, result)
    result.data["numbers"] = [entry.number for entry in issued]


def _texts(value: Any) -> set[str]:
    """Every text and number in ``value`` (specialist data), as text."""
    if isinstance(value, dict):
        return set().union(*(_texts(item) for item in value.values())) if value else set()
    if isinstance(value, list | tuple):
        return set().union(*(_texts(item) for item in value)) if value else set()
    return {str(value)} if value not in (None, "") else set()


def _lifecycle_results(ctx: RunContext) -> list[Issued]:
    """The results the lifecycle check issued, read back from their dossiers."""
    codes = list(ctx.finished.values())
    with ctx.node.app.app_context():
        database = ctx.node.database
        try:
            dossiers = database.session.scalars(select(Dossier).where(Dossier.code.in_(codes)))
            return [Issued(str(d.result["number"]), f"{d.procedure.code} issued by the "
                           "lifecycle check", str(d.result["number"]) in _texts(
                               d.specialist_data or {}))
                    for d in dossiers if d.result and d.result.get("number")]
        finally:
            database.remove()


def _retried(ctx: RunContext, code: str, moment: datetime, retries: list[str],
             first: str | Exception | None = None) -> str | Exception:
    """The issue's answer (``first`` if already asked), asked once more if it failed, as
    the officer would (noting why in ``retries``)."""
    answer = _issue(ctx, code, moment) if first is None else first
    if not _failed(answer):
        return answer
    cause = answer.__cause__ or answer  # the plugin's own error behind the core's message
    retries.append(f"{code}: {type(cause).__name__}: {str(cause).splitlines()[0]}"[:200])
    return _issue(ctx, code, moment)


def _failed(answer: str | Exception) -> bool:
    """True for an issue that failed (not one the plugin refused by its own rule)."""
    return isinstance(answer, Exception) and not isinstance(answer.__cause__, PluginError)


def _take_in(ctx: RunContext, sample, count: int, result: CheckResult) -> list[str]:  # noqa: ANN001
    """``count`` new dossiers of ``sample`` handled by the plugin ([] if not its own)."""
    codes = []
    for _ in range(count):
        try:
            codes.append(driver.take_in(ctx.node, sample))
        except driver.DriveError as error:  # the lifecycle check's finding, not ours
            result.ok(f"{sample.procedure_code}: no dossier to issue could be taken in "
                      f"({error})"[:300])
            return []
    with ctx.node.app.app_context():
        database = ctx.node.database
        try:
            dossier = database.session.scalar(select(Dossier).where(Dossier.code == codes[0]))
            mine = dossier_handler(ctx.node.manager, dossier) == ctx.target.name
        finally:
            database.remove()
    return codes if mine else []


def _issue(ctx: RunContext, code: str, moment: datetime, *, hold: float = 0.0,
           start: threading.Barrier | None = None) -> str | Exception:
    """Ask the plugin for the result of dossier ``code`` at ``moment`` in a transaction
    of this thread's own, committed; the number, or the error that refused it."""
    app, database = ctx.node.app, ctx.node.database
    with app.test_request_context(), core_clock_at(moment):
        session = database.session
        try:
            dossier = session.scalar(select(Dossier).where(Dossier.code == code))
            actor = session.scalar(select(Account).where(Account.username == USERNAMES[ISSUER]))
            session.commit()  # both threads start from the same committed state
            if start is not None:
                start.wait(timeout=30)
            answer = issue_result(dossier, actor)
            session.flush()
            time.sleep(hold)
            session.commit()
            return str((answer or {}).get("number") or "")
        except Exception as error:  # noqa: BLE001 - a refused issue is reported
            session.rollback()
            return error
        finally:
            database.remove()


def _at_once(ctx: RunContext, codes: list[str], moment: datetime) -> list[str | Exception]:
    """Issue ``codes`` from one thread each, started together."""
    answers: list[str | Exception] = [RuntimeError("not issued")] * len(codes)
    start = threading.Barrier(len(codes))

    def one(index: int) -> None:
        answers[index] = _issue(ctx, codes[index], moment, hold=HOLD_SECONDS, start=start)

    threads = [threading.Thread(target=one, args=(index,)) for index in range(len(codes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def _record(issued: list[Issued], refusals: list[str], answer: str | Exception, when: str,
            named: set[str], result: CheckResult) -> None:
    if _failed(answer):
        result.fail(f"{when}: the result could not be issued, twice: "
                    f"{type(answer).__name__}: {answer}")
    elif isinstance(answer, Exception):
        refusals.append(f"{when}: {answer}"[:200])
    elif not answer:
        result.fail(f"{when}: the issued result carries no number")
    else:
        issued.append(Issued(answer, when, answer in named))


def _distinct(issued: list[Issued], result: CheckResult) -> None:
    new = [entry for entry in issued if not entry.named_by_data]
    numbers = {entry.number for entry in new}
    for number in sorted(numbers):
        given = [entry.when for entry in new if entry.number == number]
        if len(given) > 1:
            result.fail(f"result number {number} was given {len(given)} times: "
                        f"{'; '.join(given)}")
    if not result.failures:
        result.ok(f"{len(issued)} results issued (the lifecycle's, and per procedure one "
                  "on 31 December, one on 1 January, two at once on 1 January): "
                  f"{len(numbers)} distinct new numbers ({len(issued) - len(new)} the "
                  "number of a subject the dossier names)")
