"""The payment run: every claim in payment with instalments due is paid, each in its own transaction."""

from django.utils import timezone

from registry.models import Payment

from .claims import PAYMENT_RUN, claim_pay_due
from .errors import DomainError
from .models import BenefitClaim, ClaimState


def claims_with_payments_due(on, batch=1000):
    """Ids of claims in payment with an instalment due by ``on``, in batches (two queries a batch)."""
    last_reference = ""
    while True:
        references = list(
            Payment.objects.filter(
                status=Payment.Status.DUE, due_date__lte=on, schedule__case_reference__gt=last_reference
            )
            .order_by("schedule__case_reference")
            .values_list("schedule__case_reference", flat=True)
            .distinct()[:batch]
        )
        if not references:
            return
        last_reference = references[-1]
        yield from BenefitClaim.objects.filter(reference__in=references, state=ClaimState.IN_PAYMENT).values_list(
            "pk", flat=True
        )


def pay_due_claims(*, on=None, actor=PAYMENT_RUN):
    """Returns (claims paid, claims closed, refusals as (case id, message))."""
    on = on or timezone.localdate()
    paid = closed = 0
    refused = []
    for case_id in claims_with_payments_due(on):
        try:
            payments, completed = claim_pay_due(case_id=case_id, actor=actor, on=on)
        except DomainError as exc:
            refused.append((case_id, exc.message))
            continue
        paid += bool(payments)
        closed += completed
    return paid, closed, refused
