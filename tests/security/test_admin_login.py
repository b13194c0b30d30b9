"""The administration site signs in only through the staff login: its own login page sends there,
a password posted to it is never checked, and its pages send an anonymous visitor there too."""

import pytest
from django.contrib.auth import get_user_model

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    user = UserFactory(username="root_admin", is_staff=True, is_superuser=True)
    return user


def test_the_admin_login_page_sends_to_the_staff_login(client):
    response = client.get("/admin/login/?next=/admin/auth/user/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/admin/auth/user/"


def test_a_password_posted_to_the_admin_login_signs_nobody_in(client, superuser):
    from tests.browser.support import PASSWORD

    response = client.post("/admin/login/", {"username": superuser.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    assert get_user_model().objects.get(pk=superuser.pk).last_login is None


def test_an_admin_page_sends_an_anonymous_visitor_to_the_staff_login(client):
    response = client.get("/admin/auth/user/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/login/?next=")
