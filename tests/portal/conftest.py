import pytest
from django.test import Client

from audit.actors import Actor
from portal.services import portal_account_open
from tests.conftest import make_insured

PASSWORD = "A long portal passphrase 42"


def open_account(person):
    return portal_account_open(person=person, password=PASSWORD, actor=Actor.system("registration"))


def signed_in(account):
    client = Client()
    client.force_login(account.user)
    return client


@pytest.fixture
def person_account(insured):
    return open_account(insured)


@pytest.fixture
def other_account(org):
    return open_account(make_insured(org.north_a))
