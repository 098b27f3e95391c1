import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("debug", [True, False])
def test_the_admin_sign_in_page_opens_for_someone_not_yet_signed_in(client, settings, debug):
    settings.DEBUG = debug
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b'name="password"' in response.content
