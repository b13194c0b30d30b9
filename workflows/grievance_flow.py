"""Grievance flow: who works on a grievance, in which queue.

A grievance enters the triage queue of the person's branch when filed; an operator takes the
triage task and sets the category, the priority and with it the due date; the investigation task
then waits in the same queue. Whoever holds it investigates, may ask the claimant for
information and wait for it inside the task, and resolves the grievance with a written answer.
A reopening by the claimant opens a new investigation task in the queue that resolved it.

One human task is open at a time. Escalation (on the claimant's request, or by the deadline job
when the grievance is overdue) cancels the open task and opens the same step in the queue of the
unit above; the central office has no unit above. The process ends when the grievance is closed
or withdrawn.

The flow is the routing map; the grievance's state machine holds the legal state. Tasks move
through ``workflows.routing``, called by ``cases.grievances``.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from .views import open_case_of_task


class GrievanceFlow(flow.Flow):
    process_title = _("Grievance")

    start = flow.StartHandle(this.start_grievance).Next(this.triage)
    triage = (
        flow.View(open_case_of_task)
        .Annotation(title=_("Triage the grievance"), description=_("Set the category, the priority and the due date"))
        .Next(this.investigate)
    )
    investigate = (
        flow.View(open_case_of_task)
        .Annotation(
            title=_("Investigate the grievance"),
            description=_("Investigate, ask the claimant for information, answer in writing"),
        )
        .Next(this.close)
    )
    close = flow.Function(this.close_grievance).Next(this.end)
    end = flow.End()

    # Which guardian permission on the org unit a task of each human node needs.
    QUEUE_PERMISSIONS = {"triage": "roles.work_cases", "investigate": "roles.work_cases"}

    def start_grievance(self, activation, **kwargs):  # pragma: no cover - routed by workflows.routing
        raise NotImplementedError("grievances start through cases.grievances.grievance_file")

    def close_grievance(self, activation, **kwargs):  # pragma: no cover - routed by workflows.routing
        raise NotImplementedError("grievances close through cases.grievances.grievance_close")
