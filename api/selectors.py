"""What the API reads: a claim, only when the user may see it."""

from cases.errors import CaseNotFound
from cases.models import BenefitClaim
from roles.powers import Power
from roles.selectors import unit_ids_where

CLAIM_RELATED = (
    "owning_unit",
    "deciding_unit",
    "person",
    "recommended_by",
    "recommended_on_behalf_of",
    "decided_by",
    "decided_on_behalf_of",
)


def visible_claim(user, reference):
    """The claim ``reference`` if its owning unit is one where ``user`` may view cases.
    A claim outside that is answered like a claim that does not exist."""
    units = unit_ids_where(user, Power.VIEW_CASE)
    claim = (
        BenefitClaim.objects.filter(reference=reference, owning_unit_id__in=units)
        .select_related(*CLAIM_RELATED)
        .first()
        if units
        else None
    )
    if claim is None:
        raise CaseNotFound()
    return claim


def claim_by_pk(pk):
    return BenefitClaim.objects.select_related(*CLAIM_RELATED).get(pk=pk)
