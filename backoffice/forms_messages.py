from django import forms
from django.utils.translation import gettext_lazy as _


class MessageAnswerForm(forms.Form):
    text = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000)
