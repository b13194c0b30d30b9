"""Filing through the registry: every case type names the form that files it, at a counter or
online, and the form files a case of the type through the type's one service, or says which
field is wrong."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.actors import Actor, ActorKind
from audit.models import AuditEvent
from cases import forms
from cases.catalog import TYPES
from cases.models import (
    ArrearsWaiver,
    BenefitClaim,
    BenefitType,
    CaseType,
    Channel,
    ContributionRefund,
    MedicalPurpose,
    PowerOfAttorney,
    RepresentativePayee,
)
from registry.models import Person
from roles.models import Role, RoleAssignment

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("seed_demo", claim_branches=1, stdout=io.StringIO())


def withdrawn(model):
    """A demo case of ``model``'s type that was withdrawn: what it asked for may be asked again."""
    return model.objects.filter(state="withdrawn").select_related("person", "employer").first()


def month(day):
    return day.strftime("%Y-%m")


def claim_request():
    person = Person.objects.filter(death_date__isnull=True).order_by("pk").first()
    data = {"benefit_type": BenefitType.MARRIAGE, "event_date": timezone.localdate() - dt.timedelta(days=10)}
    return {"person": person}, data


def period_request(model, why, text):
    """Asking again for the months of a withdrawn demo case of ``model``'s type."""
    case = withdrawn(model)
    data = {"period_from": month(case.period_from), "period_to": month(case.period_to), why: text}
    return {"person": case.person, "employer": case.employer}, data


def refund_request():
    return period_request(ContributionRefund, "reason", "Paid twice for the same month.")


def waiver_request():
    return period_request(ArrearsWaiver, "grounds", "The payment was late because of a bank failure.")


def grievance_request():
    claim = BenefitClaim.objects.select_related("person").order_by("pk").first()
    data = {"title": "Slow answer", "description": "Nobody answered my letter.", "related_case": claim.reference}
    return {"person": claim.person}, data


def medical_request():
    claim = BenefitClaim.objects.select_related("person").order_by("pk").first()
    return {"person": claim.person}, {"purpose": MedicalPurpose.REVIEW, "related_claim": claim.reference}


def payee_request():
    payee = RepresentativePayee.objects.filter(state="withdrawn").select_related(
        "person", "representative", "representative_account"
    )[0]
    data = {
        "representative": payee.representative.ssn,
        "representative_iban": payee.representative_account.iban,
        "relationship": "Daughter",
        "grounds": "My mother can no longer manage her affairs.",
    }
    return {"person": payee.person}, data


def attorney_request():
    power = PowerOfAttorney.objects.filter(state="withdrawn").select_related("person", "attorney")[0]
    data = {
        "attorney": power.attorney.ssn,
        "attorney_name": power.attorney.last_name,
        "scope": [CaseType.BENEFIT_CLAIM, CaseType.GRIEVANCE],
        "valid_from": timezone.localdate().isoformat(),
        "valid_to": "",
    }
    return {"person": power.person}, data


REQUESTS = {
    CaseType.BENEFIT_CLAIM: claim_request,
    CaseType.CONTRIBUTION_REFUND: refund_request,
    CaseType.ARREARS_WAIVER: waiver_request,
    CaseType.GRIEVANCE: grievance_request,
    CaseType.MEDICAL_COMMISSION: medical_request,
    CaseType.REPRESENTATIVE_PAYEE: payee_request,
    CaseType.POWER_OF_ATTORNEY: attorney_request,
}


def counter_clerk(account):
    """An operator of the branch the account belongs to."""
    return RoleAssignment.objects.filter(role=Role.OPERATOR, org_unit=account.branch).order_by("pk")[0].user


def online(account):
    if isinstance(account, Person):
        return Actor.person(account)
    return Actor.employer(account)


def test_every_type_names_a_filing_form_of_its_own():
    assert set(REQUESTS) == set(TYPES)
    for case_type, spec in TYPES.items():
        assert issubclass(spec.filing, forms.FilingForm), case_type
        assert spec.filing.file is not forms.FilingForm.file, case_type
    assert len({spec.filing for spec in TYPES.values()}) == len(TYPES)


@pytest.mark.parametrize("where", ["counter", "online"])
def test_each_types_form_files_a_case_through_its_service(demo, where):
    for case_type, spec in TYPES.items():
        account_of, data = REQUESTS[case_type]()
        account = account_of.get("employer") or account_of["person"]
        form = spec.filing(data, **account_of)
        assert form.is_valid(), (case_type, form.errors)
        actor = counter_clerk(account) if where == "counter" else online(account)
        case = form.file(actor)
        assert case.case_type == case_type
        assert case.state == spec.demo[0]  # the state a new case waits in
        assert case.owning_unit_id == account.branch_id
        created = AuditEvent.objects.filter(subject_type="case", subject_id=case.pk).order_by("seq").first()
        assert created.actor_kind == (ActorKind.STAFF if where == "counter" else online(account).kind)
        if case_type == CaseType.BENEFIT_CLAIM:
            assert case.channel == (Channel.COUNTER if where == "counter" else Channel.PORTAL)


def test_a_form_names_the_field_that_is_wrong(demo):
    person = Person.objects.order_by("pk").first()
    claim = forms.ClaimFilingForm(
        {"benefit_type": BenefitType.FUNERAL, "event_date": "2026-01-01", "deceased": "0000000000"}, person=person
    )
    assert not claim.is_valid()
    assert set(claim.errors) == {"deceased"}
    _account, data = payee_request()
    payee = forms.PayeeRequestForm({**data, "representative_iban": "XX00NOTREGISTERED"}, person=person)
    assert not payee.is_valid()
    assert set(payee.errors) == {"representative_iban"}
    grievance = forms.GrievanceFilingForm({"title": "", "description": "x", "related_case": "NO-SUCH"}, person=person)
    assert not grievance.is_valid()
    assert set(grievance.errors) == {"title", "related_case"}


def test_a_service_refusal_reaches_the_field_it_is_about(demo):
    """What only the service can know (a refund with nothing refundable) is its refusal, naming
    the field; the form does not restate the rule."""
    from cases.errors import InvalidInput

    refund = withdrawn(ContributionRefund)
    form = forms.RefundFilingForm(
        {"period_from": "2099-01", "period_to": "2098-01", "reason": "Paid twice."}, person=refund.person
    )
    assert form.is_valid(), form.errors
    with pytest.raises(InvalidInput) as refused:
        form.file(online(refund.person))
    assert refused.value.field == "period_to"
