"""Rule parameters in the administration: every administrator reads them, the central office's
administrators change them with a reason; a correction or a value dated in the past is confirmed
after seeing the open cases it affects, and every change is an audit event."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.actors import Actor
from audit.models import AuditEvent
from cases import services
from cases.models import BenefitType
from roles.selectors import today
from rules.changes import NeedsConfirmation, parameter_change
from rules.models import Parameter
from rules.parameters import DEFAULTS_FROM, param, set_param
from tests.conftest import make_insured

pytestmark = pytest.mark.django_db
KEY = "sickness.daily_rate"


def text(response):
    return response.content.decode()


def change(client, **fields):
    data = {"key": KEY, "value": "0.75", "valid_from": today() + dt.timedelta(days=30), "reason": "Decree 12/2026"}
    data.update(fields)
    return client.post(reverse("admin_parameter_set"), data)


def events(key=KEY):
    return list(AuditEvent.objects.filter(subject_type="parameter", subject_id=key).order_by("seq"))


def test_every_administrator_reads_them_only_the_central_office_changes_them(client, org, team, admins):
    set_param(KEY, "0.80", today() + dt.timedelta(days=3))
    client.force_login(admins["north"])
    response = client.get(reverse("admin_parameters"))
    assert response.status_code == 200
    row = re.search(rf'<tr class="parameter-row" id="parameter-{re.escape(KEY)}">(.*?)</tr>', text(response), re.S)[1]
    assert "0.7" in row and "0.8" in row and "share of the average daily insurable wage" in row
    assert 'action="' + reverse("admin_parameter_set") not in text(response)
    assert change(client).status_code == 403
    assert not events()

    client.force_login(team["operator"])
    assert client.get(reverse("admin_parameters")).status_code == 403

    client.force_login(admins["central"])
    assert 'action="' + reverse("admin_parameter_set") in text(client.get(reverse("admin_parameters")))


def test_a_future_value_is_set_with_its_reason_on_the_record(client, org, admins):
    client.force_login(admins["central"])
    start = today() + dt.timedelta(days=30)
    response = change(client, valid_from=start)
    assert response.status_code == 302
    assert param(KEY, start) == Decimal("0.75") and param(KEY, start - dt.timedelta(days=1)) == Decimal("0.70")
    [event] = events()
    assert event.action == "parameter.set" and event.actor == admins["central"]
    assert event.payload["reason"] == "Decree 12/2026" and event.payload["value"] == "0.75"
    assert event.payload["replaced"] is None and event.payload["open_cases"] == 0


def test_a_reason_is_required_and_an_unknown_key_refused(client, org, admins):
    client.force_login(admins["central"])
    response = change(client, reason="  ")
    assert response.status_code == 422 and "This field is required." in text(response)
    with pytest.raises(Exception, match="Give the reason"):
        parameter_change(actor=admins["central"], key=KEY, value="1", valid_from=today(), reason=" ", on=today())
    with pytest.raises(Exception, match="no rule parameter"):
        parameter_change(actor=admins["central"], key="no.such", value="1", valid_from=today(), reason="x", on=today())
    assert not events() and not events("no.such")


def test_a_value_already_set_for_its_date_is_replaced_only_when_confirmed(client, org, admins):
    client.force_login(admins["central"])
    response = change(client, valid_from=DEFAULTS_FROM, value="0.65")
    assert response.status_code == 409
    body = text(response)
    assert "A value is already set from" in body and "I have read what this change does and confirm it" in body
    assert param(KEY, today()) == Decimal("0.70") and not events()
    same = change(client, valid_from=DEFAULTS_FROM, value="0.70", confirmed="on")
    assert same.status_code == 422 and "This value is already set from that date." in text(same)

    assert change(client, valid_from=DEFAULTS_FROM, value="0.65", confirmed="on").status_code == 302
    assert param(KEY, today()) == Decimal("0.65")
    [event] = events()
    assert event.action == "parameter.corrected" and event.payload["replaced"] == "0.700000"


def test_a_value_dated_in_the_past_names_the_open_cases_it_affects(client, org, admins):
    person = make_insured(org.north_a)
    sick = services.claim_file(
        actor=Actor.person(person),
        person=person,
        benefit_type=BenefitType.SICKNESS,
        event_date=today() - dt.timedelta(days=10),
        sick_days=12,
    )
    older = make_insured(org.north_a)
    services.claim_file(
        actor=Actor.person(older),
        person=older,
        benefit_type=BenefitType.SICKNESS,
        event_date=today() - dt.timedelta(days=40),
        sick_days=5,
    )
    married = make_insured(org.north_a)
    services.claim_file(
        actor=Actor.person(married),
        person=married,
        benefit_type=BenefitType.MARRIAGE,
        event_date=today() - dt.timedelta(days=10),
    )
    start = today() - dt.timedelta(days=20)
    with pytest.raises(NeedsConfirmation) as needed:
        parameter_change(actor=admins["central"], key=KEY, value="0.75", valid_from=start, reason="r", on=today())
    assert needed.value.preview.affected == [sick.reference] and needed.value.preview.affected_count == 1

    client.force_login(admins["central"])
    response = change(client, valid_from=start)
    assert response.status_code == 409
    assert f'href="{reverse("case_detail", args=[sick.reference])}"' in text(response)
    assert "it changes what the rules say about 1 open case." in text(response)
    assert not Parameter.objects.filter(key=KEY, valid_from=start).exists()

    assert change(client, valid_from=start, confirmed="on").status_code == 302
    [event] = events()
    assert event.payload["open_cases"] == 1 and event.payload["open_cases_named"] == [sick.reference]


def test_the_page_reads_the_parameters_in_a_fixed_number_of_queries(client, org, admins, django_assert_num_queries):
    client.force_login(admins["central"])
    client.get(reverse("admin_parameters"))
    with django_assert_num_queries(7) as counted:
        client.get(reverse("admin_parameters"))
    set_param(KEY, "0.9", today() + dt.timedelta(days=9))
    set_param("retirement.age", "66", today() + dt.timedelta(days=99))
    with django_assert_num_queries(len(counted.captured_queries)):
        client.get(reverse("admin_parameters"))
