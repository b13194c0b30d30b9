"""Contribution refund flow: who works on a refund, in which queue.

A refund enters the review queue of the account's branch (the person's or the employer's) when
filed; an operator takes the review task, checks the overpayment on the contribution ledger, may
ask for information and wait for it inside the task, and recommends an amount or a rejection.
The decision task goes to the deciding unit's supervisors: the owning branch, or the unit above
whose authority limit covers the amount. Approval orders the payment to the verified bank
account and posts the refund on the ledger in the same step; the process ends when the refund is
paid, rejected or withdrawn.

The flow is the routing map; the refund's state machine holds the legal state. Tasks move
through ``workflows.routing``, called by ``cases.refunds``.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from .views import open_case_of_task


class RefundFlow(flow.Flow):
    process_title = _("Contribution refund")

    start = flow.StartHandle(this.start_refund).Next(this.review)
    review = (
        flow.View(open_case_of_task)
        .Annotation(
            title=_("Review the refund"),
            description=_("Check the overpayment, ask for information, recommend an amount"),
        )
        .Next(this.decide)
    )
    decide = (
        flow.View(open_case_of_task)
        .Annotation(title=_("Decide the refund"), description=_("Approve or reject under four eyes"))
        .Next(this.pay)
    )
    pay = flow.Function(this.order_payment).Next(this.end)
    end = flow.End()

    # Which guardian permission on the org unit a task of each human node needs.
    QUEUE_PERMISSIONS = {"review": "roles.work_cases", "decide": "roles.decide_cases"}

    def start_refund(self, activation, **kwargs):  # pragma: no cover - routed by workflows.routing
        raise NotImplementedError("refunds start through cases.refunds.refund_file")

    def order_payment(self, activation, **kwargs):  # pragma: no cover - routed by workflows.routing
        raise NotImplementedError("refund payments are ordered by cases.refunds.refund_decide")
