"""Parallel guesses on PostgreSQL with real threads: no more than the limit are ever checked."""

import threading
import time

import pytest
from django.contrib.auth.backends import ModelBackend
from django.test import Client
from django.urls import reverse

from backoffice.models import LoginFailure
from roles.models import Role
from tests.conftest import build_org, staff
from tests.integration.helpers import run_concurrently
from tests.support import AuditTransactionTestCase

GUESSES = 10


class SlowBackend(ModelBackend):
    """Password checking that takes a while, as a real hasher does: the window a race needs."""

    def authenticate(self, request, **credentials):
        time.sleep(0.2)
        return super().authenticate(request, **credentials)


@pytest.mark.postgres
class ParallelGuessesTests(AuditTransactionTestCase):
    def test_parallel_wrong_passwords_are_checked_at_most_up_to_the_limit(self):
        org = build_org()
        staff("op_na", Role.OPERATOR, org.north_a)
        barrier = threading.Barrier(GUESSES)

        def guess(index):
            client = Client()
            barrier.wait(timeout=30)
            response = client.post(
                reverse("login"), {"username": "op_na", "password": f"guess {index}"}, REMOTE_ADDR=f"10.0.0.{index}"
            )
            return response.status_code

        with self.settings(
            AUTHENTICATION_BACKENDS=["tests.security.test_lockout_race.SlowBackend"],
            SOCIUS_LOGIN_FAILURES_PER_USERNAME=5,
        ):
            outcomes = run_concurrently(GUESSES, guess)

        self.assertTrue(all(o.error is None and o.value == 200 for o in outcomes), outcomes)
        rows = LoginFailure.objects.filter(username="op_na")
        self.assertEqual(rows.filter(refused=False).count(), 5)
        self.assertEqual(rows.filter(refused=True).count(), GUESSES - 5)
        self.assertEqual(rows.filter(locked_out=True).count(), 1)
