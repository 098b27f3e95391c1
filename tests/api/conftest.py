import pytest
from rest_framework.test import APIClient

from quality.api.services import api_token_create


def client_with_token(user) -> APIClient:
    _token, secret = api_token_create(user=user, name="Risk system")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def api_as(world):
    """An API client acting, through a token, as one of the world's personas."""
    return lambda persona: client_with_token(world.personas[persona])
