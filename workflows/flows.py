"""Benefit claim flow: who works on a claim, in which queue.

A claim enters the review queue of its owning branch when submitted; an operator takes the
review task (and may wait for the claimant's information inside it) and recommends; the
decision task goes to the deciding unit's supervisors (the owning branch, or the unit above
when the amount exceeds the branch's authority); approval schedules payment; the flow ends
when the claim is closed, withdrawn or rejected.

The flow is the routing map; the claim's state machine holds the legal state. Tasks move
through ``workflows.routing`` (one lock, one audit event per task event): see
docs/decisions/0001-task-routing.md.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from .views import open_case_of_task


class BenefitClaimFlow(flow.Flow):
    process_title = _("Benefit claim")

    start = flow.StartHandle(this.start_claim).Next(this.review)
    review = (
        flow.View(open_case_of_task)
        .Annotation(title=_("Review the claim"), description=_("Check eligibility, ask for information, recommend"))
        .Next(this.decide)
    )
    decide = (
        flow.View(open_case_of_task)
        .Annotation(title=_("Decide the claim"), description=_("Approve or reject under four eyes"))
        .Next(this.pay)
    )
    pay = flow.Function(this.schedule_payment).Next(this.end)
    end = flow.End()

    # Which guardian permission on the org unit a task of each human node needs.
    QUEUE_PERMISSIONS = {"review": "roles.work_cases", "decide": "roles.decide_cases"}

    def start_claim(self, activation, **kwargs):  # pragma: no cover - routed by workflows.routing
        raise NotImplementedError("claims start through cases.services.claim_submit")

    def schedule_payment(self, activation, **kwargs):  # pragma: no cover - routed by workflows.routing
        raise NotImplementedError("payments are scheduled by cases.services.claim_approve")
