"""The portal on its own host name (``SOCIUS_PORTAL_HOST``): the portal at the root of that
host, no staff page there, and the portal's prefix still served on the main host."""

import pytest
from django.test import Client, override_settings

from .conftest import signed_in

pytestmark = pytest.mark.django_db

HOST = "eservices.example.org"


@override_settings(SOCIUS_PORTAL_HOST=HOST)
def test_the_portal_host_serves_the_portal_at_its_root(person_account):
    client = signed_in(person_account)
    page = client.get("/", HTTP_HOST=HOST)
    assert page.status_code == 200 and 'href="/file/"' in page.content.decode()  # links without the prefix
    assert client.get("/file/", HTTP_HOST=HOST).status_code == 200
    assert Client().get("/login/", HTTP_HOST=HOST).status_code == 200
    anonymous = Client().get("/", HTTP_HOST=f"{HOST}:8443")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/?next=")
    assert Client().get("/receipts/verify/", HTTP_HOST=HOST).status_code == 200


@override_settings(SOCIUS_PORTAL_HOST=HOST)
def test_no_staff_page_on_the_portal_host(team):
    staff = Client()
    staff.force_login(team["operator"])
    for url in ("/queue/", "/team/", "/administration/", "/audit/", "/api/cases/", "/admin/", "/portal/", "/counter/"):
        assert staff.get(url, HTTP_HOST=HOST).status_code == 404, url
        assert Client().get(url, HTTP_HOST=HOST).status_code == 404, url
    assert staff.get("/queue/", HTTP_HOST="localhost").status_code == 200  # the main host is unchanged


@override_settings(SOCIUS_PORTAL_HOST=HOST)
def test_the_prefix_still_works_on_the_main_host(person_account):
    client = signed_in(person_account)
    assert client.get("/portal/", HTTP_HOST="localhost").status_code == 200
    assert client.get("/", HTTP_HOST="localhost").status_code == 404  # a person never reaches a staff page


def test_without_the_setting_every_host_is_the_main_one(person_account):
    client = signed_in(person_account)
    assert client.get("/portal/", HTTP_HOST=HOST).status_code == 200
    assert client.get("/file/", HTTP_HOST=HOST).status_code == 404
