"""Every case of the demo office, of every type and in every state, opens on the staff pages."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from cases.models import CASE_MODELS, Case, CaseType

pytestmark = pytest.mark.django_db


def test_every_demo_case_page_opens_for_the_auditor_and_the_central_supervisor(client):
    call_command("seed_demo", stdout=io.StringIO())
    cases = list(Case.objects.order_by("pk").values_list("reference", "case_type", "state"))
    assert {case_type for _ref, case_type, _state in cases} == set(CaseType.values)
    users = get_user_model().objects
    for username in ("auditor.central", "supervisor.central"):
        client.force_login(users.get(username=username))
        for reference, case_type, state in cases:
            response = client.get(reverse("case_detail", kwargs={"reference": reference}))
            assert response.status_code == 200, reference
            body = response.content.decode()
            label = dict(CASE_MODELS[case_type].States.choices).get(state, "Draft")
            assert f'<span class="state state-{state}">{label}</span>' in body, reference
        for name in ("inbox", "queue"):
            assert client.get(reverse(name)).status_code == 200
