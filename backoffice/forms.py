"""Forms of the staff pages. They only parse input; the services decide what is allowed."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import CASE_MODELS, BenefitType, CaseType, GrievanceCategory, Priority
from cases.selectors import SORT_CHOICES

APPROVE = "approve"
REJECT = "reject"
DECISIONS = [(APPROVE, _("Approve")), (REJECT, _("Reject"))]


class DateInput(forms.DateInput):
    input_type = "date"


def state_choices():
    """Every state of every case type once, in the order of the types (claims first)."""
    labels = {}
    for model in CASE_MODELS.values():
        for value, label in model.States.choices:
            labels.setdefault(value, label)
    return list(labels.items())


class QueueFilterForm(forms.Form):
    case_type = forms.ChoiceField(
        label=_("Case type"), required=False, choices=[("", _("All case types")), *CaseType.choices]
    )
    benefit_type = forms.ChoiceField(
        label=_("Benefit"), required=False, choices=[("", _("All benefits")), *BenefitType.choices]
    )
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All states")), *state_choices()])
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", _("All priorities")), *Priority.choices]
    )
    due_after = forms.DateField(label=_("Due from"), required=False, widget=DateInput)
    due_before = forms.DateField(label=_("Due by"), required=False, widget=DateInput)
    subject = forms.CharField(
        label=_("Person or employer"),
        required=False,
        max_length=100,
        help_text=_("Social security number, registration number, or the start of the name."),
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORT_CHOICES)

    def filters(self):
        """The selector's keyword arguments (an invalid form filters nothing)."""
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}


class InboxSortForm(forms.Form):
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORT_CHOICES)

    def chosen_sort(self):
        return self.cleaned_data["sort"] if self.is_valid() else None


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    reason = forms.CharField(label=_("Reason for the change"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


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


class ReassignForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Give the task to"), queryset=None, empty_label=_("Choose a person"))
    # The task shown on the page: a case that moved on to another step since is refused.
    task = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates
        self.fields["user"].label_from_instance = lambda u: u.get_full_name() or u.get_username()


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    file = forms.FileField(label=_("File"))


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
