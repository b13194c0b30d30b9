"""A person's account on the e-services portal: one login for one registry person.

An account with a ``PortalAccount`` signs in only to the portal, and any other account only to
the staff workbench (``backoffice.security.side_of_account``): nobody is both."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
    the form): it proves, with the number and the date of birth, that the person is registering.
    Only its keyed hash is kept; it expires and allows a few attempts."""

    class Purpose(models.TextChoices):
        REGISTER = "register", _("registration")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
