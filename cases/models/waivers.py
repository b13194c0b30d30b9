from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from .base import Case, DecisionFields


class WaiverState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    AWAITING_INFO = "awaiting_info", _("Awaiting information")
    RECOMMENDED = "recommended", _("Recommended")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    APPLIED = "applied", _("Applied to the ledger")
    WITHDRAWN = "withdrawn", _("Withdrawn")


W = WaiverState


class ArrearsWaiver(DecisionFields, Case):
    States = WaiverState
    TAKE_STARTS = {W.SUBMITTED: "start_review"}
    """Removal of late-payment penalties, in whole or in part (subject: an employer or a person)."""

    OPEN_STATES = [W.SUBMITTED, W.IN_REVIEW, W.AWAITING_INFO, W.RECOMMENDED, W.APPROVED]

    period_from = models.DateField(_("from period"))
    period_to = models.DateField(_("to period"))
    grounds = models.TextField(_("grounds"))
    penalty_amount = models.DecimalField(_("penalty"), max_digits=14, decimal_places=2, null=True)
    requested_amount = models.DecimalField(_("amount to waive"), max_digits=14, decimal_places=2, null=True, blank=True)
    penalty_computation = models.JSONField(_("penalty computation"), default=dict, blank=True)
    info_request = models.TextField(_("information requested"), blank=True)

    class Meta:
        verbose_name = _("arrears waiver")
        verbose_name_plural = _("arrears waivers")

    @transition(field="state", source="draft", target=W.SUBMITTED)
    def submit(self, *, due_date):
        self.due_date = due_date

    @transition(field="state", source=W.SUBMITTED, target=W.IN_REVIEW)
    def start_review(self):
        pass

    @transition(field="state", source=W.IN_REVIEW, target=W.AWAITING_INFO)
    def request_info(self, *, question):
        self.info_request = question

    @transition(field="state", source=W.AWAITING_INFO, target=W.IN_REVIEW)
    def receive_info(self):
        pass

    @transition(field="state", source=W.IN_REVIEW, target=W.RECOMMENDED)
    def recommend(self, *, penalty, computation, **recommendation):
        self.penalty_amount = penalty
        self.penalty_computation = computation
        self.set_recommendation(**recommendation)

    @transition(field="state", source=W.RECOMMENDED, target=W.APPROVED)
    def approve(self, **decision):
        self.set_decision(approved=True, **decision)

    @transition(field="state", source=W.RECOMMENDED, target=W.REJECTED)
    def reject(self, **decision):
        self.set_decision(approved=False, **decision)

    @transition(field="state", source=W.APPROVED, target=W.APPLIED)
    def apply(self):
        pass

    @transition(field="state", source=[W.SUBMITTED, W.IN_REVIEW, W.AWAITING_INFO, W.RECOMMENDED], target=W.WITHDRAWN)
    def withdraw(self):
        pass
