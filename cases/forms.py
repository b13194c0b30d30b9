"""Forms of the actions on a case and of filing one, shared by the staff pages, the counter and the
portal. They only parse input; the services decide what is allowed."""

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.actors import as_actor
from registry import selectors
from registry.models import BankAccount, Person
from rules.parameters import ParameterMissing, param

from .attachments import AttachmentsField
from .attorneys import DELEGABLE, attorney_request
from .claims import claim_file, claim_precheck
from .grievances import grievance_file
from .medical import medical_request
from .models import (
    BenefitClaim,
    BenefitType,
    Case,
    CaseType,
    Channel,
    GrievanceCategory,
    MedicalPurpose,
    Priority,
)
from .payees import payee_request
from .refunds import refund_file, refund_refundable
from .waivers import waiver_file

APPROVE = "approve"
REJECT = "reject"
DECISIONS = [(APPROVE, _("Approve")), (REJECT, _("Reject"))]


class DateInput(forms.DateInput):
    input_type = "date"


class RecommendForm(forms.Form):
    decision = forms.ChoiceField(label=_("Recommendation"), choices=DECISIONS, widget=forms.RadioSelect)
    amount = forms.DecimalField(
        label=_("Amount per payment"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=0,
        help_text=_("Leave empty to use the assessed amount."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class RequestInfoForm(forms.Form):
    question = forms.CharField(
        label=_("Information the claimant must provide"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ReceiveInfoForm(forms.Form):
    answer = forms.CharField(label=_("What was received"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


def _text(label, required=True, rows=3, help_text=""):
    return forms.CharField(
        label=label, required=required, help_text=help_text, widget=forms.Textarea(attrs={"rows": rows})
    )


class ConfirmForm(forms.Form):
    """An action that needs nothing but the button."""


# --- Grievances ----------------------------------------------------------------------------------


class TriageForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("Choose a category")), *GrievanceCategory.choices]
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)


class GrievanceQuestionForm(forms.Form):
    question = _text(_("Information the claimant must provide"))


class AnswerForm(forms.Form):
    answer = _text(_("Answer to the claimant"), rows=5)


class CounterRequestForm(forms.Form):
    """What the claimant asks at a counter: the reason, and the day the request arrived."""

    reason = _text(_("The claimant's reason"))
    on = forms.DateField(
        label=_("Received on"), required=False, widget=DateInput, help_text=_("Leave empty for today.")
    )


class EscalateForm(forms.Form):
    reason = _text(_("Why the claimant asks for escalation"))


# --- Medical commissions ---------------------------------------------------------------------------


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class MembersChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class SessionForm(forms.Form):
    scheduled_for = forms.DateTimeField(label=_("Date and time of the session"), widget=DateTimeInput)
    location = forms.CharField(label=_("Place"), max_length=200)
    members = MembersChoice(label=_("Commission members"), queryset=None, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = candidates


PERMANENT = "permanent"
TEMPORARY = "temporary"


class MedicalDecisionForm(forms.Form):
    degree_percent = forms.IntegerField(label=_("Degree of disability (%)"), min_value=0, max_value=100)
    permanent = forms.TypedChoiceField(
        label=_("Duration"),
        choices=[(PERMANENT, _("Permanent")), (TEMPORARY, _("Temporary"))],
        coerce=lambda value: value == PERMANENT,
        widget=forms.RadioSelect,
    )
    review_date = forms.DateField(
        label=_("Review date"), required=False, widget=DateInput, help_text=_("Only for a temporary disability.")
    )
    note = _text(_("Findings of the commission"), rows=4)


class AppealForm(forms.Form):
    grounds = _text(_("Grounds of the appeal"))


# --- Refunds and waivers ---------------------------------------------------------------------------


class AmountRecommendForm(RecommendForm):
    """A recommendation on an amount other than a claim's (a refund, a waiver)."""

    def __init__(self, *args, amount_label, amount_help, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = amount_label
        self.fields["amount"].help_text = amount_help


# --- Representative payees -------------------------------------------------------------------------

YES = "yes"
NO = "no"


def _yes_no(label):
    return forms.TypedChoiceField(
        label=label,
        choices=[(YES, _("Yes")), (NO, _("No"))],
        coerce=lambda value: value == YES,
        widget=forms.RadioSelect,
    )


class VerifyForm(forms.Form):
    identity_ok = _yes_no(_("Identity of the representative verified"))
    documents_ok = _yes_no(_("Documents verified"))
    note = _text(_("Note"), required=False, help_text=_("A failed check rejects the request: say why."))


class ApprovePayeeForm(forms.Form):
    active_from = forms.DateField(label=_("Benefits paid to the representative from"), widget=DateInput)
    note = _text(_("Note"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["active_from"].initial = timezone.localdate


class ReasonForm(forms.Form):
    reason = _text(_("Reason"))


class NoteForm(forms.Form):
    note = _text(_("Note"), required=False)


# --- Filing: one form per case type (the registry names it), at a counter or on the portal ----------


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m")


def _month(label):
    return forms.DateField(label=label, widget=MonthInput, input_formats=["%Y-%m", "%Y-%m-%d"])


def _amount(label, help_text):
    return forms.DecimalField(
        label=label, required=False, max_digits=14, decimal_places=2, min_value=0, help_text=help_text
    )


def _ssn(label, *, required=True, help_text=""):
    return forms.CharField(label=label, required=required, max_length=10, help_text=help_text)


def _registered_person(ssn, field_error):
    """The registry's person with ``ssn``; a form error when there is none."""
    person = Person.objects.filter(ssn=ssn.strip()).first()
    if person is None:
        raise forms.ValidationError(field_error)
    return person


class FilingForm(forms.Form):
    """A request of one type for ``person`` (the insured person, pensioner or beneficiary whose case
    it is) or, where the type allows it, for ``employer``. ``file(actor)`` calls the type's one
    filing service with what was typed: ``actor`` is the person online, their representative, an
    employer's user, or a staff member at a counter of the account's branch; the service decides
    whether they may, and its refusal names the field it is about."""

    def __init__(self, *args, person=None, employer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person, self.employer = person, employer

    @classmethod
    def initial_for(cls, person, *, on, asked):
        """What the registry already holds for such a request of ``person`` on date ``on``, as the
        form's initial values, so that nobody types what the office knows. ``asked``: what the
        page was asked for (the query string: a benefit, the case a request is about)."""
        return {}

    def file(self, actor):
        raise NotImplementedError

    def precheck(self):
        """What the office's rules find for the request as typed, before it is sent (a
        ``Precheck``), or None for a type without one. Nothing is filed."""
        return None


def filing_form(spec, data, *, person, asked, on, files=None):
    """The filing form of the registry entry ``spec`` for ``person``: bound to ``data`` (and
    ``files``) when sent, else prefilled with what the registry holds (``initial_for``) as of ``on``."""
    if data:
        return spec.filing(data, files, person=person)
    return spec.filing(person=person, initial=spec.filing.initial_for(person, on=on, asked=asked))


@dataclass(frozen=True)
class Precheck:
    """The outcome of a filing form's pre-check: ``eligible`` and why, in the person's words."""

    eligible: bool
    lines: tuple


class ClaimFilingForm(FilingForm):
    benefit_type = forms.ChoiceField(label=_("Benefit"))
    event_date = forms.DateField(
        label=_("Date of the event"), widget=DateInput, help_text=_("Marriage, death, birth, onset, retirement...")
    )
    deceased = _ssn(
        _("Social security number of the deceased"),
        required=False,
        help_text=_("Only for a funeral grant or a survivor's pension."),
    )
    sick_days = forms.IntegerField(
        label=_("Sick days"), required=False, min_value=1, max_value=366, help_text=_("Only for sickness benefit.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["benefit_type"].choices = [("", _("Choose a benefit")), *BenefitType.choices]

    @classmethod
    def initial_for(cls, person, *, on, asked):
        """The benefit asked for, and the event the registry knows for it: the latest marriage,
        death in the family, child's birth, end of employment, disability decision, or the day
        the person reaches the retirement age."""
        benefit = asked.get("benefit")
        if benefit not in BenefitType.values:
            return {}
        initial = {"benefit_type": benefit}
        if benefit in (BenefitType.FUNERAL, BenefitType.SURVIVORS):
            deceased = selectors.latest_death_in_family(person, on)
            if deceased is not None:
                initial.update(deceased=deceased.ssn, event_date=deceased.death_date)
            return initial
        event = {
            BenefitType.MARRIAGE: selectors.latest_marriage,
            BenefitType.MATERNITY: selectors.latest_child_birth,
            BenefitType.UNEMPLOYMENT: selectors.last_employment_end,
            BenefitType.DISABILITY: selectors.latest_disability_decision,
            BenefitType.OLD_AGE: _retirement_day,
        }.get(benefit)
        found = event(person, on) if event else None
        if found is not None:
            initial["event_date"] = found
        return initial

    def clean_deceased(self):
        ssn = self.cleaned_data["deceased"]
        return _registered_person(ssn, _("Nobody with this number is in the registry.")) if ssn else None

    def file(self, actor):
        data = self.cleaned_data
        return claim_file(
            person=self.person,
            benefit_type=data["benefit_type"],
            event_date=data["event_date"],
            deceased=data["deceased"],
            sick_days=data["sick_days"],
            channel=Channel.COUNTER if as_actor(actor).is_staff else Channel.PORTAL,
            actor=actor,
        )

    def precheck(self):
        """The eligibility the caseworker's assessment will find, from the same rules."""
        data = self.cleaned_data
        found = claim_precheck(
            person=self.person,
            benefit_type=data["benefit_type"],
            event_date=data["event_date"],
            deceased=data["deceased"],
            sick_days=data["sick_days"],
        )
        lines = [str(found.reason)]
        if found.eligible:
            lines.append(
                _("Amount: %(amount)s, %(n)s payment(s), %(total)s in all.")
                % {"amount": found.amount, "n": found.instalments, "total": found.total}
            )
        return Precheck(eligible=found.eligible, lines=tuple(lines))


def _retirement_day(person, on):
    """The day ``person`` reaches the retirement age in force on ``on`` (None without one)."""
    try:
        age = int(param("retirement.age", on))
    except ParameterMissing:
        return None
    born = person.birth_date
    year = born.year + age
    return born.replace(year=year) if not (born.month == 2 and born.day == 29) else dt.date(year, 3, 1)


class _PeriodForm(FilingForm):
    """Months of an account (a person's or an employer's), why, and an amount (empty: all of it),
    filed by ``service`` with the reason as its ``why`` argument."""

    period_from = _month(_("First month"))
    period_to = _month(_("Last month"))
    service = None
    why = ""

    def file(self, actor):
        data = self.cleaned_data
        return type(self).service(
            person=self.person,
            employer=self.employer,
            period_from=data["period_from"],
            period_to=data["period_to"],
            requested_amount=data["requested_amount"],
            actor=actor,
            **{self.why: data[self.why]},
        )


class RefundFilingForm(_PeriodForm):
    reason = _text(_("Why the contributions should be refunded"))
    requested_amount = _amount(
        _("Amount asked for"), _("Leave empty for the refundable amount the contribution record shows.")
    )
    service, why = staticmethod(refund_file), "reason"

    def precheck(self):
        """The refundable amount the ledger shows for the months."""
        data = self.cleaned_data
        refundable = refund_refundable(
            person=self.person, employer=self.employer, period_from=data["period_from"], period_to=data["period_to"]
        )
        line = _("Refundable according to your contribution record: %(amount)s.") % {"amount": refundable}
        return Precheck(eligible=refundable > 0, lines=(line,))


class WaiverFilingForm(_PeriodForm):
    grounds = _text(_("Why the penalty should be waived"))
    requested_amount = _amount(_("Amount to waive"), _("Leave empty for the whole penalty outstanding."))
    service, why = staticmethod(waiver_file), "grounds"


def _asked_case(key):
    """``initial_for`` of a request about one of the person's cases, named by ``?<key>=<ref>``
    (the form's choices hold only the person's own cases, so another reference selects nothing)."""

    def initial_for(cls, person, *, on, asked):
        reference = asked.get(key, "")
        return {cls.about: reference} if reference else {}

    return classmethod(initial_for)


class _CaseChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.reference


class GrievanceFilingForm(FilingForm):
    title = forms.CharField(label=_("Subject"), max_length=200)
    description = _text(_("What the grievance is about"), rows=6)
    related_case = _CaseChoice(
        label=_("The case it is about"), required=False, queryset=None, to_field_name="reference"
    )
    attachments = AttachmentsField()

    about = "related_case"
    initial_for = _asked_case("case")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["related_case"].queryset = Case.objects.filter(person=self.person).order_by("-created_at")

    def file(self, actor):
        """File the grievance, then add each attachment as a document of the case (as the same
        actor, in the caller's transaction): the receipt attests their names and SHA-256."""
        from django.core.files.base import ContentFile

        from .engine import case_document_add

        data = self.cleaned_data
        grievance = grievance_file(
            person=self.person,
            title=data["title"],
            description=data["description"],
            related_case=data["related_case"],
            actor=actor,
        )
        for item in data.get("attachments") or ():
            case_document_add(
                case_id=grievance.pk, actor=actor, title=item.name, uploaded_file=ContentFile(item.content, item.name)
            )
        return grievance


class MedicalRequestForm(FilingForm):
    purpose = forms.ChoiceField(label=_("Purpose of the commission"))
    related_claim = _CaseChoice(
        label=_("The claim it is for"), required=False, queryset=None, to_field_name="reference"
    )

    about = "related_claim"
    initial_for = _asked_case("claim")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = [("", _("Choose a purpose")), *MedicalPurpose.choices]
        self.fields["related_claim"].queryset = BenefitClaim.objects.filter(person=self.person).order_by("-created_at")

    def file(self, actor):
        data = self.cleaned_data
        return medical_request(
            person=self.person, purpose=data["purpose"], related_claim=data["related_claim"], actor=actor
        )


class PayeeRequestForm(FilingForm):
    representative = _ssn(_("Social security number of the representative"))
    representative_iban = forms.CharField(
        label=_("The representative's account (IBAN)"),
        max_length=34,
        help_text=_("An account already registered in the representative's name."),
    )
    relationship = forms.CharField(label=_("Relationship to the beneficiary"), max_length=100)
    grounds = _text(_("Why a representative should receive the benefits"))

    def clean_representative(self):
        return _registered_person(self.cleaned_data["representative"], _("Nobody with this number is in the registry."))

    def clean(self):
        data = super().clean()
        representative, iban = data.get("representative"), data.get("representative_iban", "")
        if representative is not None and iban:
            iban = iban.replace(" ", "").upper()
            account = (
                BankAccount.objects.filter(person=representative, iban=iban).order_by("-valid_from", "-pk").first()
            )
            if account is None:
                self.add_error(
                    "representative_iban", _("No account with this IBAN is registered for the representative.")
                )
            data["representative_account"] = account
        return data

    def file(self, actor):
        data = self.cleaned_data
        return payee_request(
            beneficiary=self.person,
            representative=data["representative"],
            representative_account=data["representative_account"],
            relationship=data["relationship"],
            grounds=data["grounds"],
            actor=actor,
        )


class AttorneyRequestForm(FilingForm):
    attorney = _ssn(_("Social security number of the attorney"))
    attorney_name = forms.CharField(
        label=_("Surname of the attorney"),
        max_length=100,
        help_text=_("As in the registry: it is checked against the social security number."),
    )
    scope = forms.MultipleChoiceField(
        label=_("Kinds of request the attorney may make and follow for you"),
        widget=forms.CheckboxSelectMultiple,
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput)
    valid_to = forms.DateField(
        label=_("Valid until"), widget=DateInput, required=False, help_text=_("Leave empty: until it is revoked.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [(kind, CaseType(kind).label) for kind in DELEGABLE]

    @classmethod
    def initial_for(cls, person, *, on, asked):
        return {"valid_from": on}

    def clean_attorney(self):
        return _registered_person(self.cleaned_data["attorney"], _("Nobody with this number is in the registry."))

    def file(self, actor):
        data = self.cleaned_data
        return attorney_request(
            grantor=self.person,
            attorney=data["attorney"],
            attorney_name=data["attorney_name"],
            scope=data["scope"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
            actor=actor,
        )
