from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from registry.models import BankAccount, Person

from .base import Case


class PayeeState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    VERIFYING = "verifying", _("Verification")
    VERIFIED = "verified", _("Verified")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    WITHDRAWN = "withdrawn", _("Withdrawn")


P = PayeeState


class RepresentativePayee(Case):
    REFERENCE_PREFIX = "RP"
    States = PayeeState
    TAKE_STARTS = {P.SUBMITTED: "start_verification"}
    """Someone designated to receive and manage a beneficiary's benefits (``person`` is the beneficiary)."""

    OPEN_STATES = [P.SUBMITTED, P.VERIFYING, P.VERIFIED]

    representative = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    representative_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="+")
    relationship = models.CharField(_("relationship"), max_length=100)
    grounds = models.TextField(_("grounds"))
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
    active_from = models.DateField(_("active from"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("representative payee")
        verbose_name_plural = _("representative payees")

    @transition(field="state", source="draft", target=P.SUBMITTED)
    def submit(self, *, due_date):
        self.due_date = due_date

    @transition(field="state", source=P.SUBMITTED, target=P.VERIFYING)
    def start_verification(self):
        pass

    @transition(field="state", source=P.VERIFYING, target=P.VERIFIED)
    def verify(self, *, by):
        self.identity_verified = True
        self.documents_verified = True
        self.verified_by = by

    @transition(field="state", source=P.VERIFIED, target=P.APPROVED)
    def approve(self, *, by, on_behalf_of, active_from):
        self.approved_by = by
        self.approved_on_behalf_of = on_behalf_of
        self.active_from = active_from

    @transition(field="state", source=[P.VERIFYING, P.VERIFIED], target=P.REJECTED)
    def reject(self, *, reason):
        self.end_reason = reason

    @transition(field="state", source=P.APPROVED, target=P.ACTIVE)
    def activate(self):
        pass

    @transition(field="state", source=P.ACTIVE, target=P.SUSPENDED)
    def suspend(self, *, reason):
        self.end_reason = reason

    @transition(field="state", source=P.SUSPENDED, target=P.ACTIVE)
    def resume(self):
        self.end_reason = ""

    @transition(field="state", source=[P.APPROVED, P.ACTIVE, P.SUSPENDED], target=P.REVOKED)
    def revoke(self, *, on, reason):
        self.ended_on = on
        self.end_reason = reason

    @transition(field="state", source=[P.SUBMITTED, P.VERIFYING, P.VERIFIED], target=P.WITHDRAWN)
    def withdraw(self):
        pass
