"""A person's account on the e-services portal: one login for one registry person.

An account with a ``PortalAccount`` signs in only to the portal, and any other account only to
the staff workbench (``backoffice.security.side_of_account``): nobody is both."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from registry.models import Person


class PortalAccount(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="portal_account")
    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="portal_account")
    created_at = models.DateTimeField(_("opened"))

    class Meta:
        verbose_name = _("portal account")
        verbose_name_plural = _("portal accounts")

    def __str__(self):
        return f"{self.user.get_username()} ({self.person.ssn})"


class OneTimeCode(models.Model):
    """A code sent to a contact the registry already holds for the person (never to one typed in
    the form): with the number and the date of birth it proves that the person is registering or
    resetting their password; at login it is the second factor of a ``ContactCodeDevice``.
    Only its keyed hash is kept; it expires and allows a few attempts."""

    class Purpose(models.TextChoices):
        REGISTER = "register", _("registration")
        RESET = "reset", _("password reset")
        LOGIN = "login", _("login code")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)


class ContactCodeDevice(Device):
    """The second factor of a person who chose a code sent to a contact on file (by SMS or by
    e-mail) instead of an authenticator app. The code itself is a ``OneTimeCode`` (purpose
    ``login``); this row holds the choice, so that a session verified with it ends when it is
    removed, like an authenticator's (``backoffice.security.verified_device_gone``)."""

    class Channel(models.TextChoices):
        SMS = "sms", _("text message (SMS)")
        EMAIL = "email", _("e-mail")

    channel = models.CharField(_("sent by"), max_length=8, choices=Channel.choices)

    class Meta(Device.Meta):
        verbose_name = _("code by SMS or e-mail")
        verbose_name_plural = _("codes by SMS or e-mail")
