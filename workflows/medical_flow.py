"""Medical commission flow: who works on a medical commission, in which queue.

A request enters the review queue of the person's branch; an operator takes the review task
(the case moves to documents review), may ask for more medical documents and wait for them inside
the task, and schedules the session with its commission members. The decision task then waits in
the medical commission queue (``roles.medical_cases``) of the same unit, where only a member of
the session may decide.

After the decision the person may appeal within ``medical.appeal_days``: the appeal opens a task
to schedule a second session in the review queue, and its decision task goes to the medical
commission queue again, for the members of the second session (all different from the first).
Without an appeal the decision becomes final when the window has passed. The process ends with
the final decision or the withdrawal.

The flow is the routing map; the commission's state machine holds the legal state. Tasks move
through ``workflows.routing``, called by ``cases.medical``.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from .views import open_case_of_task


class MedicalCommissionFlow(flow.Flow):
    process_title = _("Medical commission")

    start = flow.StartHandle(this.start_commission).Next(this.review)
    review = (
        flow.View(open_case_of_task)
        .Annotation(
            title=_("Review the medical documents"),
            description=_("Check the documents, ask for more, schedule the commission session"),
        )
        .Next(this.decide)
    )
    decide = (
        flow.View(open_case_of_task)
        .Annotation(
            title=_("Decide on the degree of disability"),
            description=_("A member of the session records the commission's decision"),
        )
        .Next(this.appealed)
    )
    appealed = flow.If(this.is_appealed).Then(this.schedule_appeal).Else(this.finalise)
    schedule_appeal = (
        flow.View(open_case_of_task)
        .Annotation(
            title=_("Schedule the appeal commission"),
            description=_("Schedule a second session with members who did not sit in the first"),
        )
        .Next(this.decide_appeal)
    )
    decide_appeal = (
        flow.View(open_case_of_task)
        .Annotation(
            title=_("Decide the appeal"),
            description=_("A member of the appeal session records the final decision"),
        )
        .Next(this.end)
    )
    finalise = flow.Function(this.finalise_decision).Next(this.end)
    end = flow.End()

    # Which guardian permission on the org unit a task of each human node needs.
    QUEUE_PERMISSIONS = {
        "review": "roles.work_cases",
        "decide": "roles.medical_cases",
        "schedule_appeal": "roles.work_cases",
        "decide_appeal": "roles.medical_cases",
    }

    def start_commission(self, activation, **kwargs):  # pragma: no cover - routed by workflows.routing
        raise NotImplementedError("medical commissions start through cases.medical.medical_request")

    def is_appealed(self, activation, **kwargs):  # pragma: no cover - routed by workflows.routing
        raise NotImplementedError("appeals are opened by cases.medical.medical_appeal")

    def finalise_decision(self, activation, **kwargs):  # pragma: no cover - routed by workflows.routing
        raise NotImplementedError("decisions become final through cases.medical.medical_finalise")
