"""One stack for the whole check (starting it takes a while); stopped whatever happens."""

from __future__ import annotations

import pytest

from deploy.check.stack import Stack


@pytest.fixture(scope="session")
def stack():
    built = Stack()
    try:
        built.start()
        yield built
    finally:
        built.stop()
