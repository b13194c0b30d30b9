"""The actions staff (and next the portal) take on a case of each type, read by the registry
(``cases.catalog``): each names its form (``cases.forms``), the one service it calls, and when a
page offers it.

``allowed`` is asked of a view of the case as a page sees it (``backoffice.views.CaseState``): the
case, its open task and the unit whose queue holds it, and what the user may do (``may``,
``may_work``, ``works``, ``holds``, ``passes``, ``allows``, ``decides``). Those questions call the
services' own checks (``passes``: the registry's step checks; ``allows``: a service's period or
date check), so an action is offered exactly when its service would accept it
(``tests/backoffice/test_offers.py`` walks the demo to show it).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy

from roles.powers import Power

from . import attorneys, claims, forms, grievances, medical, payees, refunds, selectors, waivers
from .models import (
    AttorneyState,
    ClaimState,
    Grievance,
    GrievanceState,
    MedicalState,
    PayeeState,
    RefundState,
    WaiverState,
)


@dataclass(frozen=True)
class Action:
    """One action on a case of one type: its form, the one service call it makes, when it is shown."""

    slug: str
    title: str
    button: str
    form_class: type
    run: Callable  # (user, case, cleaned data): calls exactly one service
    done: str
    allowed: Callable  # (CaseState) -> bool
    prefix: str = ""
    secondary: bool = False
    url_name: str = ""  # a route of its own; by default the generic "case_action"
    form_kwargs: Callable | None = None  # (case) -> extra keyword arguments of the form

    def form(self, case, data=None, files=None):
        kwargs = self.form_kwargs(case) if self.form_kwargs else {}
        return self.form_class(data, files, prefix=self.prefix or self.slug, **kwargs)

    def url(self, case):
        if self.url_name:
            return reverse(self.url_name, kwargs={"reference": case.reference})
        return reverse("case_action", kwargs={"reference": case.reference, "action": self.slug})


def _approve(data):
    return data["decision"] == forms.APPROVE


# --- Benefit claims ---------------------------------------------------------------------------------------


def _claim_recommend(user, case, data):
    approve = _approve(data)
    claims.claim_recommend(
        case_id=case.pk, actor=user, approve=approve, amount=data["amount"] if approve else None, note=data["note"]
    )


CLAIM_ACTIONS = [
    Action(
        slug="recommend",
        title=gettext_lazy("Recommend"),
        button=gettext_lazy("Record recommendation"),
        form_class=forms.RecommendForm,
        run=_claim_recommend,
        done=gettext_lazy("Your recommendation was recorded; the claim went to the decision queue."),
        allowed=lambda s: s.works(("review",), ClaimState.IN_REVIEW),
        url_name="case_recommend",
    ),
    Action(
        slug="request-info",
        title=gettext_lazy("Ask the claimant for information"),
        button=gettext_lazy("Request information"),
        form_class=forms.RequestInfoForm,
        prefix="info",
        run=lambda user, case, data: claims.claim_request_info(case_id=case.pk, actor=user, question=data["question"]),
        done=gettext_lazy("The claimant was asked for information."),
        allowed=lambda s: s.works(("review",), ClaimState.IN_REVIEW),
        secondary=True,
        url_name="case_request_info",
    ),
    Action(
        slug="receive-info",
        title=gettext_lazy("Information received"),
        button=gettext_lazy("Record information received"),
        form_class=forms.ReceiveInfoForm,
        prefix="received",
        run=lambda user, case, data: claims.claim_receive_info(case_id=case.pk, actor=user, answer=data["answer"]),
        done=gettext_lazy("The information was recorded; the claim is back in review."),
        allowed=lambda s: s.in_state(ClaimState.AWAITING_INFO) and s.may_work(),
        url_name="case_receive_info",
    ),
    Action(
        slug="decide",
        title=gettext_lazy("Decide"),
        button=gettext_lazy("Record decision"),
        form_class=forms.DecideForm,
        run=lambda user, case, data: claims.claim_decide(
            case_id=case.pk, actor=user, approve=_approve(data), note=data["note"]
        ),
        done=gettext_lazy("Your decision was recorded."),
        allowed=lambda s: s.decides("decide", ClaimState.RECOMMENDED),
        url_name="case_decide",
    ),
]


# --- Types reviewed by a caseworker and decided under four eyes (refunds, waivers) ---------------------------


def _reviewed_actions(
    states,
    *,
    recommend,
    request_info,
    receive_info,
    decide,
    amount_label,
    amount_help,
    review="review",
    decision="decide",
):
    """Recommend (with the amount), ask for and record information, decide: one service each."""

    def run_recommend(user, case, data):
        approve = _approve(data)
        recommend(
            case_id=case.pk, actor=user, approve=approve, amount=data["amount"] if approve else None, note=data["note"]
        )

    return [
        Action(
            slug="recommend",
            title=gettext_lazy("Recommend"),
            button=gettext_lazy("Record recommendation"),
            form_class=forms.AmountRecommendForm,
            form_kwargs=lambda case: {"amount_label": amount_label, "amount_help": amount_help},
            run=run_recommend,
            done=gettext_lazy("Your recommendation was recorded; the case went to the decision queue."),
            allowed=lambda s: s.works((review,), states.IN_REVIEW),
        ),
        Action(
            slug="request-info",
            title=gettext_lazy("Ask the applicant for information"),
            button=gettext_lazy("Request information"),
            form_class=forms.RequestInfoForm,
            prefix="info",
            run=lambda user, case, data: request_info(case_id=case.pk, actor=user, question=data["question"]),
            done=gettext_lazy("The applicant was asked for information."),
            allowed=lambda s: s.works((review,), states.IN_REVIEW),
            secondary=True,
        ),
        Action(
            slug="receive-info",
            title=gettext_lazy("Information received"),
            button=gettext_lazy("Record information received"),
            form_class=forms.ReceiveInfoForm,
            prefix="received",
            run=lambda user, case, data: receive_info(case_id=case.pk, actor=user, answer=data["answer"]),
            done=gettext_lazy("The information was recorded; the case is back in review."),
            allowed=lambda s: s.in_state(states.AWAITING_INFO) and s.may_work(),
        ),
        Action(
            slug="decide",
            title=gettext_lazy("Decide"),
            button=gettext_lazy("Record decision"),
            form_class=forms.DecideForm,
            run=lambda user, case, data: decide(case_id=case.pk, actor=user, approve=_approve(data), note=data["note"]),
            done=gettext_lazy("Your decision was recorded."),
            allowed=lambda s: s.decides(decision, states.RECOMMENDED),
        ),
    ]


WAIVER_ACTIONS = _reviewed_actions(
    WaiverState,
    recommend=waivers.waiver_recommend,
    request_info=waivers.waiver_request_info,
    receive_info=waivers.waiver_receive_info,
    decide=waivers.waiver_decide,
    amount_label=gettext_lazy("Amount to waive"),
    amount_help=gettext_lazy("Leave empty for the amount requested (or what is still outstanding, when less)."),
)


REFUND_ACTIONS = _reviewed_actions(
    RefundState,
    recommend=refunds.refund_recommend,
    request_info=refunds.refund_request_info,
    receive_info=refunds.refund_receive_info,
    decide=refunds.refund_decide,
    amount_label=gettext_lazy("Amount to refund"),
    amount_help=gettext_lazy("Leave empty for the refundable amount the ledger shows."),
)


# --- Representative payees ---------------------------------------------------------------------------------


def _payee_approver(s):
    """A supervisor who did not verify the request may approve or reject it at the approval step."""
    return (
        s.node == "approve"
        and s.task.owner_id in (None, s.user.pk)
        and s.in_state(PayeeState.VERIFIED)
        and s.passes(Power.DECIDE_CASE, s.case.owning_unit)
    )


def _may_decide(s):
    return s.may(Power.DECIDE_CASE, s.case.owning_unit)


PAYEE_ACTIONS = [
    Action(
        slug="verify",
        title=gettext_lazy("Verify the representative"),
        button=gettext_lazy("Record the verification"),
        form_class=forms.VerifyForm,
        run=lambda user, case, data: payees.payee_verify(
            case_id=case.pk,
            actor=user,
            identity_ok=data["identity_ok"],
            documents_ok=data["documents_ok"],
            note=data["note"],
        ),
        done=gettext_lazy("The verification was recorded."),
        allowed=lambda s: s.works(("verify",), PayeeState.VERIFYING),
    ),
    Action(
        slug="approve",
        title=gettext_lazy("Approve"),
        button=gettext_lazy("Approve the representative"),
        form_class=forms.ApprovePayeeForm,
        run=lambda user, case, data: payees.payee_approve(
            case_id=case.pk, actor=user, active_from=data["active_from"], note=data["note"]
        ),
        done=gettext_lazy("The representative payee is approved."),
        allowed=_payee_approver,
    ),
    Action(
        slug="reject",
        title=gettext_lazy("Reject the request"),
        button=gettext_lazy("Reject"),
        form_class=forms.ReasonForm,
        run=lambda user, case, data: payees.payee_reject(case_id=case.pk, actor=user, reason=data["reason"]),
        done=gettext_lazy("The request is rejected."),
        allowed=lambda s: s.works(("verify",), PayeeState.VERIFYING) or _payee_approver(s),
        secondary=True,
    ),
    Action(
        slug="activate",
        title=gettext_lazy("Activate the designation"),
        button=gettext_lazy("Activate now"),
        form_class=forms.ConfirmForm,
        run=lambda user, case, data: payees.payee_activate(case_id=case.pk, actor=user),
        done=gettext_lazy("The designation is in force: benefits are paid to the representative."),
        allowed=lambda s: s.in_state(PayeeState.APPROVED) and s.allows(payees.check_start) and s.may_work(),
    ),
    Action(
        slug="suspend",
        title=gettext_lazy("Suspend"),
        button=gettext_lazy("Suspend the designation"),
        form_class=forms.ReasonForm,
        run=lambda user, case, data: payees.payee_suspend(case_id=case.pk, actor=user, reason=data["reason"]),
        done=gettext_lazy("The designation is suspended: benefits go to the beneficiary's own account."),
        allowed=lambda s: s.in_state(PayeeState.ACTIVE) and s.may_work(),
        secondary=True,
    ),
    Action(
        slug="resume",
        title=gettext_lazy("Resume"),
        button=gettext_lazy("Resume the designation"),
        form_class=forms.NoteForm,
        run=lambda user, case, data: payees.payee_resume(case_id=case.pk, actor=user, note=data["note"]),
        done=gettext_lazy("The designation is in force again."),
        allowed=lambda s: s.in_state(PayeeState.SUSPENDED) and _may_decide(s),
    ),
    Action(
        slug="revoke",
        title=gettext_lazy("Revoke"),
        button=gettext_lazy("Revoke the designation"),
        form_class=forms.ReasonForm,
        run=lambda user, case, data: payees.payee_revoke(case_id=case.pk, actor=user, reason=data["reason"]),
        done=gettext_lazy("The designation is revoked: benefits go to the beneficiary's own account."),
        allowed=lambda s: s.in_state(PayeeState.APPROVED, PayeeState.ACTIVE, PayeeState.SUSPENDED) and _may_decide(s),
        secondary=True,
    ),
]


# --- Powers of attorney ------------------------------------------------------------------------------------


def _attorney_approver(s):
    """A supervisor who did not verify the request may approve or reject it at the approval step."""
    return (
        s.node == "approve"
        and s.task.owner_id in (None, s.user.pk)
        and s.in_state(AttorneyState.VERIFIED)
        and s.passes(Power.DECIDE_CASE, s.case.owning_unit)
    )


ATTORNEY_ACTIONS = [
    Action(
        slug="verify",
        title=gettext_lazy("Verify the power of attorney"),
        button=gettext_lazy("Record the verification"),
        form_class=forms.VerifyForm,
        run=lambda user, case, data: attorneys.attorney_verify(
            case_id=case.pk,
            actor=user,
            identity_ok=data["identity_ok"],
            documents_ok=data["documents_ok"],
            note=data["note"],
        ),
        done=gettext_lazy("The verification was recorded."),
        allowed=lambda s: s.works(("verify",), AttorneyState.VERIFYING),
    ),
    Action(
        slug="approve",
        title=gettext_lazy("Approve"),
        button=gettext_lazy("Approve the power of attorney"),
        form_class=forms.NoteForm,
        run=lambda user, case, data: attorneys.attorney_approve(case_id=case.pk, actor=user, note=data["note"]),
        done=gettext_lazy("The power of attorney is approved."),
        allowed=lambda s: _attorney_approver(s) and s.allows(attorneys.check_not_expired),
    ),
    Action(
        slug="reject",
        title=gettext_lazy("Reject the request"),
        button=gettext_lazy("Reject"),
        form_class=forms.ReasonForm,
        run=lambda user, case, data: attorneys.attorney_reject(case_id=case.pk, actor=user, reason=data["reason"]),
        done=gettext_lazy("The request is rejected."),
        allowed=lambda s: s.works(("verify",), AttorneyState.VERIFYING) or _attorney_approver(s),
        secondary=True,
    ),
    Action(
        slug="revoke",
        title=gettext_lazy("Revoke"),
        button=gettext_lazy("Revoke the power of attorney"),
        form_class=forms.ReasonForm,
        run=lambda user, case, data: attorneys.attorney_revoke(case_id=case.pk, actor=user, reason=data["reason"]),
        done=gettext_lazy("The power of attorney is revoked: the attorney may no longer act."),
        allowed=lambda s: s.in_state(AttorneyState.APPROVED) and s.may_work(),
        secondary=True,
    ),
]


# --- Grievances -------------------------------------------------------------------------------------------


GRIEVANCE_ACTIONS = [
    Action(
        slug="triage",
        title=gettext_lazy("Triage"),
        button=gettext_lazy("Record triage"),
        form_class=forms.TriageForm,
        run=lambda user, case, data: grievances.grievance_triage(
            case_id=case.pk, actor=user, category=data["category"], priority=data["priority"]
        ),
        done=gettext_lazy("The grievance is triaged; its investigation waits in the queue."),
        allowed=lambda s: s.holds("triage") and s.in_state(GrievanceState.SUBMITTED),
    ),
    Action(
        slug="resolve",
        title=gettext_lazy("Answer and resolve"),
        button=gettext_lazy("Send the answer"),
        form_class=forms.AnswerForm,
        run=lambda user, case, data: grievances.grievance_resolve(case_id=case.pk, actor=user, answer=data["answer"]),
        done=gettext_lazy("The grievance is resolved; the claimant was sent the answer."),
        allowed=lambda s: (
            s.holds("investigate", grievances.answerer_power(s.case))
            and s.in_state(GrievanceState.TRIAGED, GrievanceState.INVESTIGATING)
        ),
    ),
    Action(
        slug="request-info",
        title=gettext_lazy("Ask the claimant for information"),
        button=gettext_lazy("Request information"),
        form_class=forms.GrievanceQuestionForm,
        prefix="info",
        run=lambda user, case, data: grievances.grievance_request_info(
            case_id=case.pk, actor=user, question=data["question"]
        ),
        done=gettext_lazy("The claimant was asked for information."),
        allowed=lambda s: s.holds("investigate") and s.in_state(GrievanceState.TRIAGED, GrievanceState.INVESTIGATING),
        secondary=True,
    ),
    Action(
        slug="receive-info",
        title=gettext_lazy("Information received"),
        button=gettext_lazy("Record information received"),
        form_class=forms.ReceiveInfoForm,
        prefix="received",
        run=lambda user, case, data: grievances.grievance_receive_info(
            case_id=case.pk, actor=user, answer=data["answer"]
        ),
        done=gettext_lazy("The information was recorded; the investigation goes on."),
        allowed=lambda s: s.in_state(GrievanceState.AWAITING_INFO) and s.may_work(),
    ),
    Action(
        slug="escalate",
        title=gettext_lazy("Escalate at the claimant's request"),
        button=gettext_lazy("Escalate to the unit above"),
        form_class=forms.EscalateForm,
        run=lambda user, case, data: grievances.grievance_escalate(case_id=case.pk, actor=user, reason=data["reason"]),
        done=gettext_lazy("The grievance went to the queue of the unit above."),
        allowed=lambda s: (
            s.in_state(*Grievance.OPEN_STATES)
            and s.task_unit is not None
            and s.task_unit.parent_id is not None
            and s.may_work()
        ),
        secondary=True,
    ),
    Action(
        slug="reopen",
        title=gettext_lazy("Reopen at the claimant's request"),
        button=gettext_lazy("Reopen"),
        form_class=forms.CounterRequestForm,
        run=lambda user, case, data: grievances.grievance_reopen(
            case_id=case.pk, actor=user, reason=data["reason"], on=data["on"]
        ),
        done=gettext_lazy("The grievance is reopened; a new investigation waits in the queue."),
        allowed=lambda s: s.in_state(GrievanceState.RESOLVED) and s.may_work(),
    ),
    Action(
        slug="close",
        title=gettext_lazy("Close"),
        button=gettext_lazy("Close the grievance"),
        form_class=forms.ConfirmForm,
        run=lambda user, case, data: grievances.grievance_close(case_id=case.pk, actor=user),
        done=gettext_lazy("The grievance is closed."),
        allowed=lambda s: s.in_state(GrievanceState.RESOLVED) and s.allows(grievances.check_closing) and s.may_work(),
        secondary=True,
    ),
]


# --- Medical commissions ---------------------------------------------------------------------------------


def _commission_members(case):
    return {"candidates": selectors.staff_who_may(Power.MEDICAL_DECISION, case.owning_unit)}


def _commission_decides(s, node, state, round):
    """The session of ``round`` has taken place, and the user may record its decision as the
    service would let them (a member of the session: ``cases.catalog`` step check)."""
    session = next((x for x in s.extra.get("sessions", ()) if x.round == round), None)
    return (
        s.node == node
        and s.task.owner_id in (None, s.user.pk)
        and s.in_state(state)
        and session is not None
        and s.allows(medical.check_held, session)
        and s.passes(Power.MEDICAL_DECISION, s.case.owning_unit)
    )


def _medical_decision(service):
    def run(user, case, data):
        service(
            case_id=case.pk,
            actor=user,
            degree_percent=data["degree_percent"],
            permanent=data["permanent"],
            review_date=data["review_date"],
            note=data["note"],
        )

    return run


def _medical_session(service):
    def run(user, case, data):
        service(
            case_id=case.pk,
            actor=user,
            scheduled_for=data["scheduled_for"],
            location=data["location"],
            members=list(data["members"]),
        )

    return run


MEDICAL_ACTIONS = [
    Action(
        slug="schedule",
        title=gettext_lazy("Schedule the commission session"),
        button=gettext_lazy("Schedule the session"),
        form_class=forms.SessionForm,
        form_kwargs=_commission_members,
        run=_medical_session(medical.medical_schedule),
        done=gettext_lazy("The session is scheduled; the decision waits in the commission's queue."),
        allowed=lambda s: s.works(("review",), MedicalState.DOCUMENTS_REVIEW),
    ),
    Action(
        slug="request-info",
        title=gettext_lazy("Ask the person for medical documents"),
        button=gettext_lazy("Request documents"),
        form_class=forms.RequestInfoForm,
        prefix="info",
        run=lambda user, case, data: medical.medical_request_info(
            case_id=case.pk, actor=user, question=data["question"]
        ),
        done=gettext_lazy("The person was asked for documents."),
        allowed=lambda s: s.works(("review",), MedicalState.DOCUMENTS_REVIEW),
        secondary=True,
    ),
    Action(
        slug="receive-info",
        title=gettext_lazy("Documents received"),
        button=gettext_lazy("Record documents received"),
        form_class=forms.ReceiveInfoForm,
        prefix="received",
        run=lambda user, case, data: medical.medical_receive_info(case_id=case.pk, actor=user, answer=data["answer"]),
        done=gettext_lazy("The documents were recorded; the review goes on."),
        allowed=lambda s: s.in_state(MedicalState.AWAITING_INFO) and s.may_work(),
    ),
    Action(
        slug="decide",
        title=gettext_lazy("Decision of the commission"),
        button=gettext_lazy("Record the decision"),
        form_class=forms.MedicalDecisionForm,
        run=_medical_decision(medical.medical_decide),
        done=gettext_lazy("The commission's decision was recorded."),
        allowed=lambda s: _commission_decides(s, "decide", MedicalState.SCHEDULED, medical.FIRST_ROUND),
    ),
    Action(
        slug="appeal",
        title=gettext_lazy("Appeal at the person's request"),
        button=gettext_lazy("Record the appeal"),
        form_class=forms.AppealForm,
        run=lambda user, case, data: medical.medical_appeal(case_id=case.pk, actor=user, grounds=data["grounds"]),
        done=gettext_lazy("The appeal was recorded; an appeal commission is to be scheduled."),
        allowed=lambda s: s.in_state(MedicalState.DECIDED) and s.allows(medical.check_appeal) and s.may_work(),
        secondary=True,
    ),
    Action(
        slug="schedule-appeal",
        title=gettext_lazy("Schedule the appeal commission"),
        button=gettext_lazy("Schedule the appeal session"),
        form_class=forms.SessionForm,
        form_kwargs=_commission_members,
        run=_medical_session(medical.medical_schedule_appeal),
        done=gettext_lazy("The appeal session is scheduled; its decision waits in the commission's queue."),
        allowed=lambda s: s.works(("schedule_appeal",), MedicalState.APPEALED),
    ),
    Action(
        slug="decide-appeal",
        title=gettext_lazy("Decision of the appeal commission"),
        button=gettext_lazy("Record the final decision"),
        form_class=forms.MedicalDecisionForm,
        run=_medical_decision(medical.medical_decide_appeal),
        done=gettext_lazy("The appeal commission's decision was recorded; it is final."),
        allowed=lambda s: _commission_decides(s, "decide_appeal", MedicalState.APPEAL_SCHEDULED, medical.APPEAL_ROUND),
    ),
]
