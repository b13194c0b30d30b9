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
