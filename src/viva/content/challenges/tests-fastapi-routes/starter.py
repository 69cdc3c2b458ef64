import pytest
from fastapi.testclient import TestClient
from notes_api import app, reset


@pytest.fixture
def client():
    reset()
    return TestClient(app)


def test_create_note(client):
    pytest.fail("write your tests")
