import sqlite3

import pytest
from users_repo import DuplicateEmail, User, UserRepository


@pytest.fixture
def repo():
    conn = sqlite3.connect(":memory:")
    yield UserRepository(conn)
    conn.close()


def test_add_and_get(repo):
    pytest.fail("write your tests")
