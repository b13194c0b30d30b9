from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from registry.models import BankAccount

from .base import AccountPeriods, Case, DecisionFields, ReviewSteps, reviewed_states

RefundState = reviewed_states("RefundState", ("PAID", ("paid", _("Payment ordered"))))


class ContributionRefund(ReviewSteps, AccountPeriods, DecisionFields, Case):
    """A refund of overpaid or wrongly posted contributions (subject: a person or an employer)."""

    REFERENCE_PREFIX = "CR"
    States = RefundState

    reason = models.TextField(_("reason"))
    requested_amount = models.DecimalField(
        _("requested amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    refundable_amount = models.DecimalField(_("refundable amount"), max_digits=14, decimal_places=2, null=True)
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    payment_order = models.CharField(_("payment order"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("contribution refund")
        verbose_name_plural = _("contribution refunds")

    @transition(field="state", source=RefundState.IN_REVIEW, target=RefundState.RECOMMENDED)
    def recommend(self, *, refundable, **recommendation):
        self.refundable_amount = refundable
        self.set_recommendation(**recommendation)

    @transition(field="state", source=RefundState.APPROVED, target=RefundState.PAID)
    def order_payment(self, *, bank_account, payment_order):
        self.bank_account = bank_account
        self.payment_order = payment_order
