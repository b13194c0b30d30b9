"""Representative payee flow: who works on a representative payee request, in which queue.

A request enters the verification queue of the beneficiary's branch; an operator takes the
verification task (the case moves to verification), checks the representative's identity and
the documents, and either passes the request on or rejects it. The approval task then waits in
the supervisors' queue of the same unit; whoever verified the request cannot approve it. Approval
sets the activation date: the designation is activated at once when the date has come, otherwise
by the daily job on that date.

Suspension, resumption and revocation of an active designation are single service calls with no
task. The process ends when the request is rejected or withdrawn, or the designation revoked.

The flow is the routing map; the request's state machine holds the legal state. Tasks move
through ``workflows.routing``, called by ``cases.payees``.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from .views import open_case_of_task


class RepresentativePayeeFlow(flow.Flow):
    process_title = _("Representative payee")

    start = flow.StartHandle(this.start_request).Next(this.verify)
    verify = (
        flow.View(open_case_of_task)
        .Annotation(
            title=_("Verify the representative"),
            description=_("Check the representative's identity and the documents"),
        )
        .Next(this.approve)
    )
    approve = (
        flow.View(open_case_of_task)
        .Annotation(
            title=_("Approve the representative"),
            description=_("Approve under four eyes and set the activation date"),
        )
        .Next(this.activate)
    )
    activate = flow.Function(this.activate_designation).Next(this.end)
    end = flow.End()

    # Which guardian permission on the org unit a task of each human node needs.
    QUEUE_PERMISSIONS = {"verify": "roles.work_cases", "approve": "roles.decide_cases"}

    def start_request(self, activation, **kwargs):  # pragma: no cover - routed by workflows.routing
        raise NotImplementedError("requests start through cases.payees.payee_request")

    def activate_designation(self, activation, **kwargs):  # pragma: no cover - routed by workflows.routing
        raise NotImplementedError("designations are activated by cases.payees.payee_activate")
