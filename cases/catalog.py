"""What each case type adds to the shared engine at a step: the refusal checks that depend on the
case itself (four eyes, commission membership), stated once and called by the service, by "take"
and "take next" (so a queue never hands someone a task the service would refuse), and by the pages
(so an action is offered exactly when the service would accept it).

A check is called as ``check(case, actor, authority)`` after the actor's power at the task's unit
is granted (``authority`` is that grant); it raises a domain error to refuse.
"""

from . import engine, medical, payees
from .models import CaseType

STEP_CHECKS = {
    (CaseType.BENEFIT_CLAIM, "decide"): engine.check_four_eyes,
    (CaseType.CONTRIBUTION_REFUND, "decide"): engine.check_four_eyes,
    (CaseType.ARREARS_WAIVER, "decide"): engine.check_four_eyes,
    (CaseType.REPRESENTATIVE_PAYEE, "approve"): payees.check_four_eyes,
    (CaseType.MEDICAL_COMMISSION, "decide"): lambda case, actor, _authority: medical.check_member(
        case, actor, medical.FIRST_ROUND
    ),
    (CaseType.MEDICAL_COMMISSION, "decide_appeal"): lambda case, actor, _authority: medical.check_member(
        case, actor, medical.APPEAL_ROUND
    ),
}


def check_step(case, node, actor, authority):
    """Refuse (a domain error) when ``actor`` may not do the work of ``node`` on ``case``."""
    check = STEP_CHECKS.get((case.case_type, node))
    if check is not None:
        check(case, actor, authority)
