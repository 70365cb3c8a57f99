"""A bound on the argon2 hashes one process computes at once.

Each login check costs 64 MiB and most of a core for a fraction of a second; without a
bound, a flood of anonymous login attempts took every core and the API's answers went
from milliseconds to seconds. Past the bound a login is refused at once with 503 and
``Retry-After`` (:class:`LoginBusy`) instead of queueing. ``MOTCUA_LOGIN_CONCURRENT_HASHES``
sets the bound (default 2, for the small servers of a district).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from motcua.core.errors import MotcuaError

DEFAULT_SLOTS = 2
# A login arriving just as another ends should not be refused; one queued longer than
# this is part of a flood.
WAIT_SECONDS = 0.5


class LoginBusy(MotcuaError):
    """Every hashing slot is taken: try again in a few seconds (503)."""

    status_code = 503


class HashingGate:
    """A bounded semaphore that can be resized when an app is configured."""

    def __init__(self, slots: int = DEFAULT_SLOTS) -> None:
        self.slots = slots
        self._semaphore = threading.BoundedSemaphore(slots)

    def configure(self, slots: int) -> None:
        if slots != self.slots:
            self.slots = slots
            self._semaphore = threading.BoundedSemaphore(slots)

    @contextmanager
    def slot(self) -> Iterator[None]:
        semaphore = self._semaphore  # the one acquired is the one released, even if resized
        if not semaphore.acquire(timeout=WAIT_SECONDS):
            raise LoginBusy("The server is busy checking other logins; "
                            "please try again in a few seconds.")
        try:
            yield
        finally:
            semaphore.release()


hashing_gate = HashingGate()
