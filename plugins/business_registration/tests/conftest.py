"""Fixtures of the business registration plugin's tests (the motcua test kit gives the
``motcua_*`` ones). No ``__init__.py`` here on purpose: these tests can run in the same
session as the core's ``tests`` package without their module names clashing."""

from __future__ import annotations

import copy
import os

import pytest
from motcua_business_registration.samples import REGISTRATION_DATA

# The suite's assertions read English (as the core's suite does): the pages speak the
# deployment's language, Vietnamese unless told.
os.environ.setdefault("MOTCUA_LANGUAGE", "en")


@pytest.fixture
def motcua_plugins() -> list[str]:
    """Enable this plugin whichever ini file the run uses (its own or the project's)."""
    return ["business_registration"]


@pytest.fixture
def registration_data() -> dict:
    """Complete specialist data of a registration (a fresh copy per test)."""
    return copy.deepcopy(REGISTRATION_DATA)
