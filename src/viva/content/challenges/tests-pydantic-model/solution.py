import pytest
from pydantic import ValidationError
from signup import Signup

GOOD = {"username": "ada_99", "email": "ada@example.org", "age": 30, "password": "correct horse"}


def make(**changes):
    return Signup(**{**GOOD, **changes})


def test_a_valid_signup():
    s = make(tags=["a"])
    assert (s.username, s.email, s.age, s.tags) == ("ada_99", "ada@example.org", 30, ["a"])
    assert make().tags == []


@pytest.mark.parametrize("username", ["abc", "a" * 20, "a_1"])
def test_usernames_accepted(username):
    assert make(username=username).username == username


@pytest.mark.parametrize("username", ["ab", "a" * 21, "Ada", "ad a", "ad-a", ""])
def test_usernames_refused(username):
    with pytest.raises(ValidationError):
        make(username=username)


def test_email_is_stripped_and_lowercased():
    assert make(email="  Ada@Example.ORG ").email == "ada@example.org"


@pytest.mark.parametrize("email", ["ada.example.org", "@example.org", "ada@example", "ada@"])
def test_emails_refused(email):
    with pytest.raises(ValidationError):
        make(email=email)


@pytest.mark.parametrize("age", [13, 120])
def test_age_bounds_accepted(age):
    assert make(age=age).age == age


@pytest.mark.parametrize("age", [12, 121, -1])
def test_age_out_of_bounds(age):
    with pytest.raises(ValidationError):
        make(age=age)


def test_password_length():
    assert make(password="12345678").password == "12345678"
    with pytest.raises(ValidationError):
        make(password="1234567")


@pytest.mark.parametrize("password", ["ada_99xx", "ADA_99XX"])
def test_password_must_not_be_the_username(password):
    with pytest.raises(ValidationError):
        make(username="ada_99xx", password=password)


def test_tags_cleaned_and_deduplicated():
    assert make(tags=[" B", "a", "b ", "", "  ", "A"]).tags == ["b", "a"]


def test_unknown_fields_refused():
    with pytest.raises(ValidationError):
        make(admin=True)
