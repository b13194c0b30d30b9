"""The database filter for open and overdue cases says what each type's OPEN_STATES say."""

import datetime as dt

import pytest

from cases import deadlines
from cases.models import CASE_MODELS, Case, CaseType

from .helpers import file_claim, make_case, set_due

pytestmark = pytest.mark.django_db

ON = dt.date(2025, 6, 1)


def test_overdue_filter_matches_open_states_of_every_type(org):
    cases = []
    for case_type, model in CASE_MODELS.items():
        if case_type == CaseType.BENEFIT_CLAIM:
            continue  # claims: below, with the same states as another type's
        for state in ["draft", *model.States.values]:
            for due in (ON - dt.timedelta(days=1), ON, None):
                cases.append(make_case(case_type, org.north_a, state, due_date=due))
    assert len({c.case_type for c in cases}) == len(CASE_MODELS) - 1

    found = set(Case.objects.filter(deadlines.overdue_q(ON)).values_list("pk", flat=True))
    expected = {c.pk for c in cases if deadlines.is_overdue(c, ON)}
    assert found == expected
    assert expected  # some of every open state
    assert {c.state for c in cases if c.pk in found} == {
        str(s) for case_type, m in CASE_MODELS.items() if case_type != CaseType.BENEFIT_CLAIM for s in m.OPEN_STATES
    }
    open_ids = set(Case.objects.filter(deadlines.open_cases_q()).values_list("pk", flat=True))
    assert open_ids == {c.pk for c in cases if c.state in CASE_MODELS[c.case_type].OPEN_STATES}


def test_claims_are_open_in_their_own_states_only(org, insured):
    # "approved" is open for refunds and waivers (payment or ledger still to come), not for claims,
    # whose approval starts the payment in the same step.
    claim = file_claim(insured)
    set_due([claim], ON - dt.timedelta(days=1))
    Case.objects.filter(pk=claim.pk).update(state="approved")  # a state claims never rest in
    refund = make_case(CaseType.CONTRIBUTION_REFUND, org.north_a, "approved", due_date=ON - dt.timedelta(days=1))
    assert set(Case.objects.filter(deadlines.overdue_q(ON)).values_list("pk", flat=True)) == {refund.pk}
