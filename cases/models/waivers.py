from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from .base import AccountPeriods, Case, DecisionFields, ReviewSteps, reviewed_states

WaiverState = reviewed_states("WaiverState", ("APPLIED", ("applied", _("Applied to the ledger"))))


class ArrearsWaiver(ReviewSteps, AccountPeriods, DecisionFields, Case):
    """Removal of late-payment penalties, in whole or in part (subject: an employer or a person)."""

    REFERENCE_PREFIX = "AW"
    States = WaiverState

    grounds = models.TextField(_("grounds"))
    penalty_amount = models.DecimalField(_("penalty"), max_digits=14, decimal_places=2, null=True)
    requested_amount = models.DecimalField(_("amount to waive"), max_digits=14, decimal_places=2, null=True, blank=True)
    penalty_computation = models.JSONField(_("penalty computation"), default=dict, blank=True)

    class Meta:
        verbose_name = _("arrears waiver")
        verbose_name_plural = _("arrears waivers")

    @transition(field="state", source=WaiverState.IN_REVIEW, target=WaiverState.RECOMMENDED)
    def recommend(self, *, penalty, computation, **recommendation):
        self.penalty_amount = penalty
        self.penalty_computation = computation
        self.set_recommendation(**recommendation)

    @transition(field="state", source=WaiverState.APPROVED, target=WaiverState.APPLIED)
    def apply(self):
        pass
