"""Fixtures of the tax interconnection plugin's tests. No ``__init__.py`` on purpose
(see the business registration plugin's conftest). The land side is proven with a small
land plugin (tax_land_plugin.py), standing for the land plugin until it exists."""

from __future__ import annotations

import copy
import os

import pytest
from motcua_business_registration.samples import REGISTRATION_DATA
from tax_land_plugin import LAND_TRANSFER, LandPlugin

# The suite's assertions read English (as the core's suite does): the pages speak the
# deployment's language, Vietnamese unless told.
os.environ.setdefault("MOTCUA_LANGUAGE", "en")


@pytest.fixture
def motcua_plugins() -> list[str]:
    return ["business_registration", "tax_interconnection"]


@pytest.fixture
def motcua_extra_plugins() -> list:
    return [("land_test", LandPlugin())]


@pytest.fixture
def motcua_settings() -> dict:
    return {"MOTCUA_TAX_INTERCONNECTION_OFFICES": "H99.01=T99.01",
            "MOTCUA_TAX_INTERCONNECTION_LAND_PROCEDURES": LAND_TRANSFER}


@pytest.fixture
def registration_data() -> dict:
    return copy.deepcopy(REGISTRATION_DATA)
