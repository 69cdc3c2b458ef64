import sqlite3

import pytest
from users_repo import DuplicateEmail, User, UserRepository


@pytest.fixture
def path(tmp_path):
    return tmp_path / "users.db"


@pytest.fixture
def repo(path):
    conn = sqlite3.connect(path)
    yield UserRepository(conn)
    conn.close()


def other(path):
    """A second connection: sees only what was committed."""
    return UserRepository(sqlite3.connect(path))


def test_add_returns_the_user_and_get_finds_it(repo):
    user = repo.add("  Ada@Example.org ", "Ada")
    assert user == User(user.id, "ada@example.org", "Ada")
    assert repo.get(user.id) == user
    assert repo.get(user.id + 100) is None


def test_duplicate_email_in_any_case_is_refused(repo, path):
    repo.add("ada@example.org", "Ada")
    with pytest.raises(DuplicateEmail):
        repo.add("ADA@example.org", "Other")
    assert len(other(path).page(limit=10)) == 1


def test_by_email_any_case_and_quotes(repo):
    tricky = repo.add("o'brien@example.org", "Pat")
    assert repo.by_email("O'Brien@Example.org") == tricky
    assert repo.by_email("x' OR '1'='1") is None
    assert repo.by_email("nobody@example.org") is None


def test_pages_in_id_order(repo):
    users = [repo.add(f"{n}@example.org", n) for n in ["zoe", "bob", "amy", "kim", "lea"]]
    assert repo.page(limit=2) == users[:2]
    assert repo.page(limit=2, offset=2) == users[2:4]
    assert repo.page(limit=10, offset=4) == users[4:]
    assert repo.page(limit=10, offset=5) == []


def test_rename_is_committed(repo, path):
    user = repo.add("ada@example.org", "Ada")
    assert repo.rename(user.id, "Ada L.") is True
    assert other(path).get(user.id).name == "Ada L."
    assert repo.rename(user.id + 1, "x") is False


def test_delete(repo, path):
    user = repo.add("ada@example.org", "Ada")
    assert repo.delete(user.id + 1) is False
    assert repo.delete(user.id) is True
    assert other(path).get(user.id) is None
    assert repo.delete(user.id) is False
