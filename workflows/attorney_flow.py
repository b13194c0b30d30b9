"""Power of attorney flow: who works on a power of attorney request, in which queue.

A request enters the verification queue of the grantor's branch; an operator takes the
verification task (the case moves to verification), checks the attorney's identity and the
grantor's will, and either passes the request on or rejects it. The approval task then waits in
the supervisors' queue of the same unit; whoever verified the request cannot approve it. Once
approved, the power is in force between its dates.

Revocation (by the grantor in the portal or by staff) is a single service call with no task.
The process ends when the request is approved, rejected or withdrawn.

The flow is the routing map; the request's state machine holds the legal state. Tasks move
through ``workflows.routing``, called by ``cases.attorneys``.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from .views import open_case_of_task


class PowerOfAttorneyFlow(flow.Flow):
    process_title = _("Power of attorney")

    start = flow.StartHandle(this.start_request).Next(this.verify)
    verify = (
        flow.View(open_case_of_task)
        .Annotation(
            title=_("Verify the power of attorney"),
            description=_("Check the attorney's identity and the grantor's will"),
        )
        .Next(this.approve)
    )
    approve = (
        flow.View(open_case_of_task)
        .Annotation(
            title=_("Approve the power of attorney"),
            description=_("Approve under four eyes"),
        )
        .Next(this.end)
    )
    end = flow.End()

    # Which guardian permission on the org unit a task of each human node needs.
    QUEUE_PERMISSIONS = {"verify": "roles.work_cases", "approve": "roles.decide_cases"}

    def start_request(self, activation, **kwargs):  # pragma: no cover - routed by workflows.routing
        raise NotImplementedError("requests start through cases.attorneys.attorney_request")
