import pytest
from pydantic import ValidationError
from signup import Signup


def test_valid():
    s = Signup(username="ada", email="ada@example.org", age=30, password="long enough")
    assert s.username == "ada"


def test_short_username():
    with pytest.raises(ValidationError):
        Signup(username="ab", email="ada@example.org", age=30, password="long enough")


def test_too_young():
    with pytest.raises(ValidationError):
        Signup(username="ada", email="ada@example.org", age=5, password="long enough")


def test_password_is_username():
    with pytest.raises(ValidationError):
        Signup(username="adalovelace", email="a@b.org", age=30, password="adalovelace")
