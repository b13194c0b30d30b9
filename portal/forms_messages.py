"""The form of a message from the person to the office."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.attachments import AttachmentsField


class MessageForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    text = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 6}), max_length=10000)
    attachments = AttachmentsField()
