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


class RegisterForm(forms.Form):
    ssn = forms.CharField(label=_("Social security number"), max_length=10)
    birth_date = forms.DateField(label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}))


class RegisterCodeForm(forms.Form):
    code = forms.CharField(
        label=_("The code we sent you"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    password = forms.CharField(
        label=_("Choose a password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_again = forms.CharField(
        label=_("The same password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ValidationError

        data = super().clean()
        password, again = data.get("password"), data.get("password_again")
        if password and again and password != again:
            self.add_error("password_again", _("The two passwords differ."))
        elif password:
            try:
                validate_password(password)
            except ValidationError as exc:
                self.add_error("password", exc)
        return data


class SentCodeForm(forms.Form):
    code = forms.CharField(
        label=_("The code we sent you"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": r"[0-9 ]*", "autofocus": True}
        ),
    )


class SecondFactorChoiceForm(forms.Form):
    APP = "app"

    method = forms.ChoiceField(label=_("How do you want to receive your login codes?"), widget=forms.RadioSelect)

    def __init__(self, *args, channels=(), **kwargs):
        from .models import ContactCodeDevice

        super().__init__(*args, **kwargs)
        labels = {
            ContactCodeDevice.Channel.SMS: _("A code by text message (SMS) to the mobile phone we hold for you"),
            ContactCodeDevice.Channel.EMAIL: _("A code by e-mail to the address we hold for you"),
        }
        self.fields["method"].choices = [(self.APP, _("An authenticator app on my phone"))] + [
            (channel.value, labels[channel]) for channel in channels
        ]
