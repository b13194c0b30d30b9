"""Benefit claim flow: who works on a claim, in which queue.

A claim enters the review queue of its owning unit when filed; an operator takes the review
task (and may wait for the claimant's information inside it) and recommends; the decision task
goes to the deciding unit's queue (the nearest unit at or above the owning unit whose authority
limit covers the total); approval schedules payment. The process ends when the claim is closed
(its last instalment paid) or withdrawn; a rejected claim keeps it, and an appeal opens a new
review task. The civil-registry marriage grant (``cases/proactive.py``) runs the same steps as
the system.

The flow is the routing map; the claim's state machine holds the legal state. The services of
``cases/claims.py`` start the process and open and close its tasks through
``workflows.routing`` (one lock, one audit event per task event): the ``start`` and ``pay``
nodes are never run by viewflow. See docs/decisions/0001-task-routing.md.
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
        raise NotImplementedError("claims start through cases.claims.claim_file")

    def schedule_payment(self, activation, **kwargs):  # pragma: no cover - routed by workflows.routing
        raise NotImplementedError("payments are scheduled by cases.claims.claim_decide")
