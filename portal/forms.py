"""The portal's own small forms (the filing forms are the registry's, in ``cases.forms``)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you withdraw it (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
