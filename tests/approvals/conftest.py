"""What the four-eyes tests share: the setting on, as production has it, a second Manager,
and a client of their own in the sandbox."""

import secrets

import pytest

from tests.clients.test_edit_views import create_in_sandbox
from tests.conftest import make_user, signed_in_client


@pytest.fixture(autouse=True)
def four_eyes(settings):
    settings.FOUR_EYES_DELETE = True


@pytest.fixture
def checker(db):
    return make_user("chidi", "Manager")


@pytest.fixture
def checker_client(checker):
    return signed_in_client(checker)


@pytest.fixture
def client_in_sandbox(sandbox):
    made = create_in_sandbox(sandbox, f"four-eyes-{secrets.token_hex(4)}")
    sandbox.forget_received()
    return made
