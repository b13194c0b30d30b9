"""The words people read for a case's states, transitions and history events: one place for all.

The engine's refusals, the staff pages, the reports and the flow pictures read their labels here.
Every label is a lazy translation (the French and Persian catalogues translate them); codes that
have no label are shown as they are, underscores turned into spaces.
"""

from django.utils.translation import gettext_lazy as _

from .models import CASE_MODELS, CaseType

INITIAL_STATE = "draft"
DRAFT_LABEL = _("Draft")

# What each transition does, as a verb (the flow pictures' arrows); the method names are code.
TRANSITION_LABELS = {
    "submit": _("submit"),
    "start_review": _("start review"),
    "request_info": _("ask for information"),
    "receive_info": _("information received"),
    "recommend": _("recommend"),
    "approve": _("approve"),
    "reject": _("reject"),
    "appeal": _("appeal"),
    "start_payment": _("schedule payment"),
    "order_payment": _("order payment"),
    "close": _("close"),
    "withdraw": _("withdraw"),
    "apply": _("post to the ledger"),
    "triage": _("triage"),
    "investigate": _("start investigation"),
    "resolve": _("answer"),
    "reopen": _("reopen"),
    "schedule": _("schedule session"),
    "decide": _("decide"),
    "schedule_appeal": _("schedule appeal"),
    "decide_appeal": _("decide appeal"),
    "finalise": _("appeal window passed"),
    "start_verification": _("start verification"),
    "verify": _("verify"),
    "activate": _("activate"),
    "suspend": _("suspend"),
    "resume": _("resume"),
    "revoke": _("revoke"),
}

# History events by their full action name first ("<subject>.<what>")...
ACTION_LABELS = {
    "benefit_claim.created": _("Claim created"),
    "benefit_claim.submit": _("Claim submitted"),
    "task.created": _("Task opened"),
    "task.assigned": _("Task taken"),
    "task.unassigned": _("Task released"),
    "task.reassigned": _("Task reassigned"),
    "task.completed": _("Task completed"),
    "task.cancelled": _("Task cancelled"),
    "comment.added": _("Comment added"),
    "document.added": _("Document added"),
    "message.received": _("Message received from the person"),
    "message.answered": _("Message answered"),
    "case.overdue": _("Marked overdue"),
    "case.escalated": _("Escalated"),
    "case.priority_changed": _("Priority changed"),
}
# ... then an event of the case's own type ("<case type>.<what>") by what happened, whatever the type:
# a transition, as something done, or another event of the case.
EVENT_LABELS = {
    "created": _("Case created"),
    "submit": _("Submitted"),
    "start_review": _("Review started"),
    "request_info": _("Information requested"),
    "receive_info": _("Information received"),
    "recommend": _("Recommended"),
    "approve": _("Approved"),
    "reject": _("Rejected"),
    "appeal": _("Appealed"),
    "start_payment": _("Payment scheduled"),
    "paid": _("Payment made"),
    "order_payment": _("Payment ordered"),
    "apply": _("Applied to the ledger"),
    "close": _("Closed"),
    "withdraw": _("Withdrawn"),
    "triage": _("Triaged"),
    "investigate": _("Investigation started"),
    "resolve": _("Resolved"),
    "reopen": _("Reopened"),
    "escalate": _("Escalated"),
    "escalated": _("Escalated"),
    "overdue": _("Overdue"),
    "schedule": _("Session scheduled"),
    "decide": _("Decided"),
    "schedule_appeal": _("Appeal session scheduled"),
    "decide_appeal": _("Appeal decided"),
    "finalise": _("Decision final"),
    "start_verification": _("Verification started"),
    "verify": _("Verified"),
    "activate": _("Activated"),
    "suspend": _("Suspended"),
    "resume": _("Resumed"),
    "revoke": _("Revoked"),
    "assessment_recorded": _("Disability assessment recorded"),
    "claim_resumed": _("Claim resumed"),
    "designation_written": _("Payee designation recorded"),
    "designation_ended": _("Payee designation ended"),
    "delivered": _("Delivered to the person in the portal"),
}
# ... and where the person reads their own case's history (the portal) differently.
PERSON_EVENT_LABELS = {
    "delivered": _("Delivered to you"),
}


def _words(code):
    return code.replace("_", " ")


# What a person is asked to do while their case waits on them (the portal's my page).
EXPECTED_FROM_PERSON = _("The office is waiting for information from you.")


def type_label(case_type):
    """The name of a case type ("Benefit claim")."""
    return CaseType(case_type).label if case_type in CaseType.values else _words(case_type)


def state_labels(case_type):
    """{state: label} of a case type, the draft every case starts in first (the protected FSM field
    has no choices of its own); only the draft for an unknown type."""
    labels = {INITIAL_STATE: DRAFT_LABEL}
    model = CASE_MODELS.get(case_type)
    if model is not None:
        labels.update(model.States.choices)
    return labels


def state_label(case_type, state):
    """The label of one state of a case type; the code itself if the type has no such state."""
    return state_labels(case_type).get(state, state)


def transition_label(name):
    """A transition as a verb ("start review"), the same for every type that has it."""
    return TRANSITION_LABELS.get(name, _words(name))


def event_label(action, case_type):
    """A history event of a case of ``case_type`` ("task.assigned", "grievance.resolve", ...)."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    kind, _sep, what = action.partition(".")
    if kind == case_type and what in EVENT_LABELS:
        return EVENT_LABELS[what]
    return _words(what or action).capitalize()


def person_event_label(action, case_type):
    """A history event as the person concerned reads it in the portal."""
    kind, _sep, what = action.partition(".")
    if kind == case_type and what in PERSON_EVENT_LABELS:
        return PERSON_EVENT_LABELS[what]
    return event_label(action, case_type)


def step_titles(flow_class):
    """{node name: task title} of the human steps of a flow class, in workflow order."""
    names = getattr(flow_class, "QUEUE_PERMISSIONS", {})
    return {name: getattr(flow_class, name).task_title for name in names}


def state_in_sentence(case):
    """The state of ``case`` as it reads inside a sentence ("the case is in review")."""
    return str(state_label(case.case_type, case.state)).lower()


def filing_kinds():
    """The requests that can be filed, in the registry's order, each with its label; the claim
    with one entry per benefit (``?benefit=``), so its form comes with the benefit chosen."""
    from . import catalog
    from .models import BenefitType

    return [
        {
            "case_type": case_type,
            "label": type_label(case_type),
            "benefits": BenefitType.choices if case_type == CaseType.BENEFIT_CLAIM else (),
        }
        for case_type in catalog.TYPES
    ]
