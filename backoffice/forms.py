"""Forms of the staff pages. They only parse input; the services decide what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import DateInput
from cases.models import CASE_MODELS, BenefitType, CaseType, Priority
from cases.selectors import SORT_CHOICES


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
