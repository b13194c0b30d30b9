"""Arrears waiver flow: who works on a request to waive late-payment penalties, in which queue.

A waiver enters the review queue of the owning branch (the employer's branch, or the
self-employed person's home branch) when filed; an operator takes the review task, may ask for
information and wait for it inside the task, and recommends the amount to waive (or rejection).
The decision task goes to the deciding unit's supervisors: the owning branch, or the nearest unit
above whose authority limit covers the amount. An approval posts the waiver to the contribution
ledger and applies the case in the same step; the process ends when the waiver is applied,
rejected or withdrawn.

The flow is the routing map; the waiver's state machine holds the legal state. Tasks move
through ``workflows.routing``, called by ``cases.waivers``.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from .views import open_case_of_task


class ArrearsWaiverFlow(flow.Flow):
    process_title = _("Arrears waiver")

    start = flow.StartHandle(this.start_waiver).Next(this.review)
    review = (
        flow.View(open_case_of_task)
        .Annotation(
            title=_("Review the waiver request"),
            description=_("Check the penalty, ask for information, recommend the amount to waive"),
        )
        .Next(this.decide)
    )
    decide = (
        flow.View(open_case_of_task)
        .Annotation(title=_("Decide the waiver"), description=_("Approve or reject under four eyes"))
        .Next(this.apply)
    )
    apply = flow.Function(this.apply_waiver).Next(this.end)
    end = flow.End()

    # Which guardian permission on the org unit a task of each human node needs.
    QUEUE_PERMISSIONS = {"review": "roles.work_cases", "decide": "roles.decide_cases"}

    def start_waiver(self, activation, **kwargs):  # pragma: no cover - routed by workflows.routing
        raise NotImplementedError("waivers start through cases.waivers.waiver_file")

    def apply_waiver(self, activation, **kwargs):  # pragma: no cover - routed by workflows.routing
        raise NotImplementedError("waivers are posted to the ledger by cases.waivers.waiver_decide")
