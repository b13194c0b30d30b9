"""What each case type adds to the shared engine at a step: the refusal checks that depend on the
case itself (four eyes, commission membership), stated once and called by the service, by "take"
and "take next" (so a queue never hands someone a task the service would refuse), and by the pages
(so an action is offered exactly when the service would accept it).

A check is called as ``check(case, actor, authority, known)`` after the actor's power at the
task's unit is granted (``authority`` is that grant); it raises a domain error to refuse. ``known``
is what a page has read of the case already (its commission sessions, say), or an empty dict.
"""

from . import engine, medical, payees
from .models import CaseType


def _four_eyes(check):
    return lambda case, actor, authority, _known: check(case, actor, authority)


def _member_of(round):
    return lambda case, actor, _authority, known: medical.check_member(case, actor, round, known.get("sessions"))


STEP_CHECKS = {
    (CaseType.BENEFIT_CLAIM, "decide"): _four_eyes(engine.check_four_eyes),
    (CaseType.CONTRIBUTION_REFUND, "decide"): _four_eyes(engine.check_four_eyes),
    (CaseType.ARREARS_WAIVER, "decide"): _four_eyes(engine.check_four_eyes),
    (CaseType.REPRESENTATIVE_PAYEE, "approve"): _four_eyes(payees.check_four_eyes),
    (CaseType.MEDICAL_COMMISSION, "decide"): _member_of(medical.FIRST_ROUND),
    (CaseType.MEDICAL_COMMISSION, "decide_appeal"): _member_of(medical.APPEAL_ROUND),
}


def check_step(case, node, actor, authority, known=None):
    """Refuse (a domain error) when ``actor`` may not do the work of ``node`` on ``case``."""
    check = STEP_CHECKS.get((case.case_type, node))
    if check is not None:
        check(case, actor, authority, known or {})
