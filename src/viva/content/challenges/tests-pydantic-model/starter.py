import pytest
from pydantic import ValidationError
from signup import Signup


def test_valid_signup():
    pytest.fail("write your tests")
