from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from registry.models import Person

from .base import Case, CaseType


class AttorneyState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    VERIFYING = "verifying", _("Verification")
    VERIFIED = "verified", _("Verified")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    REVOKED = "revoked", _("Revoked")
    WITHDRAWN = "withdrawn", _("Withdrawn")


A = AttorneyState


class PowerOfAttorney(Case):
    """A person (``person``, the grantor) allows another (``attorney``) to file and follow some kinds
    of request for them in the portal (``scope``: case type codes) from ``valid_from`` to
    ``valid_to`` (open-ended when empty). It is in force once approved, between its dates, until
    revoked."""

    REFERENCE_PREFIX = "PA"
    States = AttorneyState
    TAKE_STARTS = {A.SUBMITTED: "start_verification"}
    OPEN_STATES = [A.SUBMITTED, A.VERIFYING, A.VERIFIED]

    attorney = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    scope = models.JSONField(_("kinds of request"), default=list)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    identity_verified = models.BooleanField(_("identity verified"), default=False)
    documents_verified = models.BooleanField(_("documents verified"), default=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("power of attorney")
        verbose_name_plural = _("powers of attorney")

    @property
    def scope_labels(self):
        """The kinds of request covered, in words."""
        return [CaseType(kind).label if kind in CaseType.values else kind for kind in self.scope]

    def in_force(self, on):
        """Approved, not revoked, and ``on`` between its dates."""
        return self.state == A.APPROVED and self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    @transition(field="state", source="draft", target=A.SUBMITTED)
    def submit(self, *, due_date):
        self.due_date = due_date

    @transition(field="state", source=A.SUBMITTED, target=A.VERIFYING)
    def start_verification(self):
        pass

    @transition(field="state", source=A.VERIFYING, target=A.VERIFIED)
    def verify(self, *, by):
        self.identity_verified = True
        self.documents_verified = True
        self.verified_by = by

    @transition(field="state", source=A.VERIFIED, target=A.APPROVED)
    def approve(self, *, by, on_behalf_of):
        self.approved_by = by
        self.approved_on_behalf_of = on_behalf_of

    @transition(field="state", source=[A.VERIFYING, A.VERIFIED], target=A.REJECTED)
    def reject(self, *, reason):
        self.end_reason = reason

    @transition(field="state", source=A.APPROVED, target=A.REVOKED)
    def revoke(self, *, on, reason):
        self.ended_on = on
        self.end_reason = reason

    @transition(field="state", source=[A.SUBMITTED, A.VERIFYING, A.VERIFIED], target=A.WITHDRAWN)
    def withdraw(self):
        pass
