"""Whom a person signed in to the portal may act for, on a date: the people whose approved
representative payee they are, and the grantors of the powers of attorney in force that name them.

Each mandate carries its scope, the kinds of request (case types) the representative may see and
file for the person it names:

- a power of attorney: the kinds of request the grantor chose (``PowerOfAttorney.scope``);
- a representative payee: ``PAYEE_SCOPE``, benefit claims and grievances. A payee receives and
  manages the beneficiary's benefits: they claim them, follow the claims and the payments, and
  complain about them; a refund of contributions, a waiver of arrears or a medical commission is
  the beneficiary's own business (or an attorney's).

The portal checks the chosen mandate again on every request (``portal.access``): a mandate
revoked, suspended or ended takes effect at the next page.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from cases.attorneys import in_force
from cases.models import CaseType, PayeeState, PowerOfAttorney, RepresentativePayee

PAYEE = "payee"
ATTORNEY = "attorney"
PAYEE_SCOPE = (CaseType.BENEFIT_CLAIM, CaseType.GRIEVANCE)
# The payee requests under which the representative acts: approved, in force, not suspended.
PAYEE_ACTING_STATES = (PayeeState.APPROVED, PayeeState.ACTIVE)


@dataclass(frozen=True)
class Mandate:
    kind: str  # PAYEE or ATTORNEY
    reference: str  # of the case that granted it
    person: object  # the registry Person represented
    scope: tuple  # case type codes
    valid_to: dt.date | None = None

    @property
    def key(self):
        """How the session and the audit trail name it: "payee:RP-2026-..." or "attorney:PA-..."."""
        return f"{self.kind}:{self.reference}"


def _alive(on):
    return Q(person__death_date__isnull=True) | Q(person__death_date__gt=on)


def _payees(agent, on):
    return (
        RepresentativePayee.objects.filter(representative=agent, state__in=PAYEE_ACTING_STATES, active_from__lte=on)
        .filter(_alive(on))
        .select_related("person")
    )


def _powers(agent, on):
    return PowerOfAttorney.objects.filter(in_force(on), attorney=agent).filter(_alive(on)).select_related("person")


def _payee_mandate(case):
    return Mandate(PAYEE, case.reference, case.person, PAYEE_SCOPE)


def _attorney_mandate(case):
    scope = tuple(kind for kind in case.scope if kind in CaseType.values)
    return Mandate(ATTORNEY, case.reference, case.person, scope, case.valid_to)


def mandates_of(person, on):
    """The mandates under which ``person`` may act on ``on``, by the represented person's name
    (two queries)."""
    found = [_payee_mandate(c) for c in _payees(person, on)] + [_attorney_mandate(c) for c in _powers(person, on)]
    return sorted(found, key=lambda m: (m.person.last_name, m.person.first_name, m.kind, m.reference))


def mandate_by_key(person, key, on):
    """The mandate ``key`` (``Mandate.key``) of ``person`` if it holds on ``on``, else None (one
    query)."""
    kind, _sep, reference = (key or "").partition(":")
    if kind == PAYEE:
        case = _payees(person, on).filter(reference=reference).first()
        return _payee_mandate(case) if case else None
    if kind == ATTORNEY:
        case = _powers(person, on).filter(reference=reference).first()
        return _attorney_mandate(case) if case else None
    return None
