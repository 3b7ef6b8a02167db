"""Fixtures for the coordinator's pages."""

from __future__ import annotations

import pytest

from tests.factories import make_user
from tracker.accounts.models import Role


@pytest.fixture
def coordinator(app):
    return make_user(Role.COORDINATOR, first_name="Sam", last_name="Rosengard", email="sam.rosengard@barnet.gov.uk")


@pytest.fixture
def as_coordinator(signed_in, coordinator):
    return signed_in(coordinator)
