import sqlite3

import pytest
from users_repo import DuplicateEmail, UserRepository


@pytest.fixture
def repo():
    return UserRepository(sqlite3.connect(":memory:"))


def test_add_and_get(repo):
    user = repo.add("ada@example.org", "Ada")
    assert repo.get(user.id).name == "Ada"


def test_duplicate(repo):
    repo.add("ada@example.org", "Ada")
    with pytest.raises(DuplicateEmail):
        repo.add("ada@example.org", "Ada")


def test_first_page(repo):
    for n in ["a", "b", "c"]:
        repo.add(f"{n}@example.org", n)
    assert [u.name for u in repo.page(limit=2)] == ["a", "b"]


def test_delete(repo):
    user = repo.add("ada@example.org", "Ada")
    assert repo.delete(user.id) is True
