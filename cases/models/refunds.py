from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from registry.models import BankAccount

from .base import Case, DecisionFields


class RefundState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    AWAITING_INFO = "awaiting_info", _("Awaiting information")
    RECOMMENDED = "recommended", _("Recommended")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Payment ordered")
    WITHDRAWN = "withdrawn", _("Withdrawn")


R = RefundState


class ContributionRefund(DecisionFields, Case):
    States = RefundState
    TAKE_STARTS = {R.SUBMITTED: "start_review"}
    """A refund of overpaid or wrongly posted contributions (subject: a person or an employer)."""

    OPEN_STATES = [R.SUBMITTED, R.IN_REVIEW, R.AWAITING_INFO, R.RECOMMENDED, R.APPROVED]

    period_from = models.DateField(_("from period"))
    period_to = models.DateField(_("to period"))
    reason = models.TextField(_("reason"))
    requested_amount = models.DecimalField(
        _("requested amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    refundable_amount = models.DecimalField(_("refundable amount"), max_digits=14, decimal_places=2, null=True)
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    info_request = models.TextField(_("information requested"), blank=True)
    payment_order = models.CharField(_("payment order"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("contribution refund")
        verbose_name_plural = _("contribution refunds")

    @transition(field="state", source="draft", target=R.SUBMITTED)
    def submit(self, *, due_date):
        self.due_date = due_date

    @transition(field="state", source=R.SUBMITTED, target=R.IN_REVIEW)
    def start_review(self):
        pass

    @transition(field="state", source=R.IN_REVIEW, target=R.AWAITING_INFO)
    def request_info(self, *, question):
        self.info_request = question

    @transition(field="state", source=R.AWAITING_INFO, target=R.IN_REVIEW)
    def receive_info(self):
        pass

    @transition(field="state", source=R.IN_REVIEW, target=R.RECOMMENDED)
    def recommend(self, *, refundable, **recommendation):
        self.refundable_amount = refundable
        self.set_recommendation(**recommendation)

    @transition(field="state", source=R.RECOMMENDED, target=R.APPROVED)
    def approve(self, **decision):
        self.set_decision(approved=True, **decision)

    @transition(field="state", source=R.RECOMMENDED, target=R.REJECTED)
    def reject(self, **decision):
        self.set_decision(approved=False, **decision)

    @transition(field="state", source=R.APPROVED, target=R.PAID)
    def order_payment(self, *, bank_account, payment_order):
        self.bank_account = bank_account
        self.payment_order = payment_order

    @transition(field="state", source=[R.SUBMITTED, R.IN_REVIEW, R.AWAITING_INFO, R.RECOMMENDED], target=R.WITHDRAWN)
    def withdraw(self):
        pass
