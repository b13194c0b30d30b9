"""The registry of case types: one declaration per type, read by the engine, the deadline job, the
demo builder, the case pages and the flow charts.

Each declaration names the type's model (its state machine, whose states and transitions are
labelled by ``cases.labels``), its flow (who works on it, in which queue), the module of its
services, its deadline policy, its actions (``cases.actions``: label, form, the one service each
calls, when a page offers it), the form that files a case of the type (``cases.forms``), the
demo's builder with the scenarios it leaves cases in, and the refusal checks of its steps. A step check depends on the case itself (four eyes,
commission membership); it is stated once and called by the service, by "take" and "take next"
(so a queue never hands someone a task the service would refuse), by reassignment and by the
pages (so an action is offered exactly when the service would accept it).

A check is called as ``check(case, actor, authority, known)`` after the actor's power at the
task's unit is granted (``authority`` is that grant); it raises a domain error to refuse. ``known``
is what a page has read of the case already (its commission sessions, say), or an empty dict.

``tests/cases/test_catalog.py`` walks the registry and fails when a type lacks a piece.
"""

from dataclasses import dataclass, field

from django.utils.module_loading import import_string

from workflows.flow_classes import FLOW_CLASSES

from . import attorneys, claims, engine, forms, grievances, medical, payees, refunds, waivers
from .actions import (
    ATTORNEY_ACTIONS,
    CLAIM_ACTIONS,
    GRIEVANCE_ACTIONS,
    MEDICAL_ACTIONS,
    PAYEE_ACTIONS,
    REFUND_ACTIONS,
    WAIVER_ACTIONS,
)
from .models import CASE_MODELS, CaseType

# Deadline policies (``cases.deadlines``): what happens when a case of the type is overdue.
ALERT = "alert"  # the supervisors of the unit holding the task are alerted
DECISION_UP = "decision_up"  # an overdue decision task in the owning unit's queue moves to the parent unit
NEXT_LEVEL = "next_level"  # the type's own escalation service moves the case one level up
POLICIES = {
    ALERT: "alerts only",
    DECISION_UP: "decision task of the owning unit moves to the parent unit",
    NEXT_LEVEL: "grievance_escalate: next level up",
}


@dataclass(frozen=True)
class CaseTypeSpec:
    case_type: str
    services: object  # the module of the type's services, each named "<prefix>_<what it does>"
    prefix: str
    deadline: str  # a key of POLICIES
    demo: tuple  # the scenarios the demo builds, each leaving a case in a state (or escalated)
    actions: tuple  # what staff do on a case of the type (``cases.actions.Action``), in page order
    filing: type  # the form that files a case of the type, at a counter or online (``cases.forms``)
    demo_builder: str  # dotted path of ``build(cast, spec)``, making the demo's cases (``cases.seeding``)
    step_checks: dict = field(default_factory=dict)  # {flow node: check}

    def __post_init__(self):
        object.__setattr__(self, "actions", {action.slug: action for action in self.actions})

    @property
    def model(self):
        return CASE_MODELS[self.case_type]

    @property
    def flow(self):
        return FLOW_CLASSES[self.case_type]

    def build_demo(self, cast):
        """Build the type's demo cases (one in each of ``demo``); how many were filed."""
        return import_string(self.demo_builder)(cast, self)

    def service(self, what):
        """The type's service doing ``what`` ("withdraw", "file", ...)."""
        return getattr(self.services, f"{self.prefix}_{what}")


def _four_eyes(check):
    return lambda case, actor, authority, _known: check(case, actor, authority)


def _member_of(round):
    return lambda case, actor, _authority, known: medical.check_member(case, actor, round, known.get("sessions"))


_DECISION_UP_CHECKS = {"decide": engine.check_decider}
_REVIEWED = ("submitted", "in_review", "awaiting_info", "recommended", "rejected")

TYPES = {
    spec.case_type: spec
    for spec in (
        CaseTypeSpec(
            CaseType.BENEFIT_CLAIM,
            services=claims,
            prefix="claim",
            deadline=DECISION_UP,
            actions=CLAIM_ACTIONS,
            filing=forms.ClaimFilingForm,
            demo_builder="cases.seeding.claim_demo",
            # Claims are built by scenario per branch (cases.seeding.SCENARIOS).
            demo=(
                "submitted",
                "in_review",
                "awaiting_info",
                "recommended",
                "rejected",
                "in_payment",
                "closed",
                "withdrawn",
            ),
            step_checks=_DECISION_UP_CHECKS,
        ),
        CaseTypeSpec(
            CaseType.CONTRIBUTION_REFUND,
            services=refunds,
            prefix="refund",
            deadline=DECISION_UP,
            actions=REFUND_ACTIONS,
            filing=forms.RefundFilingForm,
            demo_builder="cases.seeding.refund_demo",
            demo=(*_REVIEWED, "paid", "withdrawn"),
            step_checks=_DECISION_UP_CHECKS,
        ),
        CaseTypeSpec(
            CaseType.ARREARS_WAIVER,
            services=waivers,
            prefix="waiver",
            deadline=DECISION_UP,
            actions=WAIVER_ACTIONS,
            filing=forms.WaiverFilingForm,
            demo_builder="cases.seeding.waiver_demo",
            demo=(*_REVIEWED, "applied", "withdrawn"),
            step_checks=_DECISION_UP_CHECKS,
        ),
        CaseTypeSpec(
            CaseType.GRIEVANCE,
            services=grievances,
            prefix="grievance",
            deadline=NEXT_LEVEL,
            actions=GRIEVANCE_ACTIONS,
            filing=forms.GrievanceFilingForm,
            demo_builder="cases.seeding.grievance_demo",
            demo=(
                "submitted",
                "triaged",
                "investigating",
                "awaiting_info",
                "resolved",
                "closed",
                "withdrawn",
                "escalated",  # submitted, and escalated on the claimant's request
            ),
        ),
        CaseTypeSpec(
            CaseType.MEDICAL_COMMISSION,
            services=medical,
            prefix="medical",
            deadline=ALERT,
            actions=MEDICAL_ACTIONS,
            filing=forms.MedicalRequestForm,
            demo_builder="cases.seeding.medical_demo",
            demo=(
                "requested",
                "documents_review",
                "awaiting_info",
                "scheduled",
                "decided",
                "appealed",
                "appeal_scheduled",
                "final",
                "withdrawn",
            ),
            step_checks={"decide": _member_of(medical.FIRST_ROUND), "decide_appeal": _member_of(medical.APPEAL_ROUND)},
        ),
        CaseTypeSpec(
            CaseType.REPRESENTATIVE_PAYEE,
            services=payees,
            prefix="payee",
            deadline=ALERT,
            actions=PAYEE_ACTIONS,
            filing=forms.PayeeRequestForm,
            demo_builder="cases.seeding.payee_demo",
            demo=(
                "submitted",
                "verifying",
                "verified",
                "approved",
                "rejected",
                "active",
                "suspended",
                "revoked",
                "withdrawn",
            ),
            step_checks={"approve": _four_eyes(payees.check_four_eyes)},
        ),
        CaseTypeSpec(
            CaseType.POWER_OF_ATTORNEY,
            services=attorneys,
            prefix="attorney",
            deadline=ALERT,
            actions=ATTORNEY_ACTIONS,
            filing=forms.AttorneyRequestForm,
            demo_builder="cases.seeding.attorney_demo",
            demo=("submitted", "verifying", "verified", "approved", "rejected", "revoked", "withdrawn"),
            step_checks={"approve": _four_eyes(attorneys.check_four_eyes)},
        ),
    )
}


def check_step(case, node, actor, authority, known=None):
    """Refuse (a domain error) when ``actor`` may not do the work of ``node`` on ``case``."""
    spec = TYPES.get(case.case_type)
    check = spec.step_checks.get(node) if spec is not None else None
    if check is not None:
        check(case, actor, authority, known or {})
