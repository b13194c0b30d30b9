"""Cases and their state machines.

What every case shares (``Case``, and ``DecisionFields`` for the types that decide an amount),
its comments and documents, and the notifications and staff alerts about cases; each type's
model and state machine is in the module beside this one.

The ``state`` field is protected: only a ``@transition`` method changes it, and only a case
service calls those methods (``cases/services.py`` gives the order: lock, authority, transition,
audit event, save, side effects after commit, in one transaction). Transition bodies change
fields of ``self`` only. The words for states and transitions are in ``cases.labels``.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition
from viewflow.workflow.models import Process

from audit.chain import GENESIS
from registry.models import Employer, Person
from roles.models import OrgUnit


class CaseType(models.TextChoices):
    BENEFIT_CLAIM = "benefit_claim", _("Benefit claim")
    CONTRIBUTION_REFUND = "contribution_refund", _("Contribution refund")
    GRIEVANCE = "grievance", _("Grievance")
    ARREARS_WAIVER = "arrears_waiver", _("Arrears waiver")
    MEDICAL_COMMISSION = "medical_commission", _("Medical commission")
    REPRESENTATIVE_PAYEE = "representative_payee", _("Representative payee")
    POWER_OF_ATTORNEY = "power_of_attorney", _("Power of attorney")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


# Priority as a number the queues sort on, most urgent first (kept by the database).
PRIORITY_RANK = {Priority.LOW: 1, Priority.NORMAL: 2, Priority.HIGH: 3, Priority.URGENT: 4}


def _priority_rank_expression():
    return models.Case(
        *(models.When(priority=value, then=models.Value(rank)) for value, rank in PRIORITY_RANK.items()),
        default=models.Value(2),
        output_field=models.SmallIntegerField(),
    )


class Case(FSMModelMixin, models.Model):
    reference = models.CharField(_("reference"), max_length=30, unique=True)
    case_type = models.CharField(_("type"), max_length=30, choices=CaseType.choices)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="cases")
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, null=True, blank=True, related_name="cases")
    owning_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="cases", verbose_name=_("unit"))
    state = FSMField(_("state"), default="draft", protected=True, max_length=30)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    # Set by a service only: grievance triage, or a supervisor's change (cases.engine.case_set_priority).
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL, db_default=Priority.NORMAL
    )
    priority_rank = models.GeneratedField(
        expression=_priority_rank_expression(), output_field=models.SmallIntegerField(), db_persist=True
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    process = models.OneToOneField(Process, on_delete=models.PROTECT, null=True, blank=True, related_name="case")
    # Set by the deadline job when the due date passed with the case still open.
    overdue_since = models.DateTimeField(_("overdue since"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalations"), default=0, db_default=0)
    # Head of this case's audit chain, kept on the row that is locked anyway.
    audit_seq = models.PositiveIntegerField(default=0, editable=False)
    audit_hash = models.CharField(max_length=64, default=GENESIS, editable=False)
    # A copy of the case's open human task (viewflow's task row), written only by
    # workflows.routing with the task and saved by the step that moved it: the queue's and the
    # inbox's filtered pages select cases by these columns and their partial indexes.
    # task_status is '' when the case has no open task.
    task_status = models.CharField(max_length=50, blank=True, default="", db_default="", editable=False)
    task_pk = models.BigIntegerField(null=True, blank=True, editable=False)
    task_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
        editable=False,
    )
    task_queue = models.CharField(max_length=255, blank=True, default="", db_default="", editable=False)
    task_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
        editable=False,
    )
    task_created = models.DateTimeField(null=True, blank=True, editable=False)
    # The person's messages about the case still awaiting the office's answer (cases.messages keeps
    # it, under the case's row lock): the queues show it without a query per row.
    messages_awaiting = models.PositiveSmallIntegerField(default=0, db_default=0, editable=False)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["owning_unit", "state", "due_date"], name="case_unit_state_due"),
            models.Index(fields=["case_type", "state"], name="case_type_state"),
            models.Index(fields=["state", "due_date"], name="case_state_due"),
            # The queue's sorts by priority and by due date walk these and stop after a page.
            models.Index(fields=["-priority_rank", "due_date", "id"], name="case_priority_due"),
            models.Index(fields=["due_date", "id"], name="case_due"),
            # Cases whose task waits in a queue, by queue, for the filtered queue pages.
            models.Index(
                fields=["task_unit", "task_queue", "state", "-task_created", "-task_pk"],
                name="case_queue_state_new",
                condition=models.Q(task_status="NEW"),
            ),
            models.Index(
                fields=["task_unit", "task_queue", "-task_created", "-task_pk"],
                name="case_queue_new",
                condition=models.Q(task_status="NEW"),
                # A due-date range is checked in the index (an index-only scan on PostgreSQL).
                include=["due_date", "owning_unit", "id"],
            ),
            models.Index(
                fields=["task_unit", "task_queue", "state", "due_date", "id"],
                name="case_queue_state_due",
                condition=models.Q(task_status="NEW"),
            ),
            models.Index(
                fields=["task_unit", "task_queue", "due_date", "id"],
                name="case_queue_due",
                condition=models.Q(task_status="NEW"),
            ),
            # Cases whose task someone holds, by holder, for the inbox by due date.
            models.Index(
                fields=["task_owner", "due_date", "id"],
                name="case_inbox_due",
                condition=models.Q(task_status="ASSIGNED"),
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def detail(self):
        """This case as its own type (BenefitClaim, Grievance...)."""
        from . import CASE_MODELS

        model = CASE_MODELS[self.case_type]
        return self if isinstance(self, model) else model.objects.get(pk=self.pk)


# The states of a request that a caseworker reviews and a decider decides under four eyes, in the
# order it passes them; each type that has them (claims, refunds, waivers) adds its own after.
REVIEW_STATES = [
    ("SUBMITTED", ("submitted", _("Submitted"))),
    ("IN_REVIEW", ("in_review", _("In review"))),
    ("AWAITING_INFO", ("awaiting_info", _("Awaiting information"))),
    ("RECOMMENDED", ("recommended", _("Recommended"))),
    ("APPROVED", ("approved", _("Approved"))),
    ("REJECTED", ("rejected", _("Rejected"))),
]


def reviewed_states(name, *own, first=()):
    """The ``TextChoices`` of a reviewed type: ``first``, ``REVIEW_STATES``, its ``own`` (each
    ``(NAME, (value, label))``), then "withdrawn"."""
    withdrawn = ("WITHDRAWN", ("withdrawn", _("Withdrawn")))
    return models.TextChoices(name, [*first, *REVIEW_STATES, *own, withdrawn], module=__name__)


class ReviewSteps(models.Model):
    """The steps of a request reviewed by a caseworker and decided under four eyes, without the
    recommendation (what each type computes then) and what follows an approval: a refund's or a
    waiver's state machine is these plus its own."""

    OPEN_STATES = ["submitted", "in_review", "awaiting_info", "recommended", "approved"]
    TAKE_STARTS = {"submitted": "start_review"}

    info_request = models.TextField(_("information requested"), blank=True)

    class Meta:
        abstract = True

    @transition(field="state", source="draft", target="submitted")
    def submit(self, *, due_date):
        self.due_date = due_date

    @transition(field="state", source="submitted", target="in_review")
    def start_review(self):
        pass

    @transition(field="state", source="in_review", target="awaiting_info")
    def request_info(self, *, question):
        self.info_request = question

    @transition(field="state", source="awaiting_info", target="in_review")
    def receive_info(self):
        pass

    @transition(field="state", source="recommended", target="approved")
    def approve(self, **decision):
        self.set_decision(approved=True, **decision)

    @transition(field="state", source="recommended", target="rejected")
    def reject(self, **decision):
        self.set_decision(approved=False, **decision)

    @transition(field="state", source=["submitted", "in_review", "awaiting_info", "recommended"], target="withdrawn")
    def withdraw(self):
        pass


class AccountPeriods(models.Model):
    """The months of a person's or an employer's contribution account a request is about."""

    period_from = models.DateField(_("from period"))
    period_to = models.DateField(_("to period"))

    class Meta:
        abstract = True


class DecisionFields(models.Model):
    """Recommendation and decision under four eyes, shared by the case types that decide an amount."""

    recommended_amount = models.DecimalField(_("recommended amount"), max_digits=14, decimal_places=2, null=True)
    recommendation = models.CharField(_("recommendation"), max_length=10, blank=True)
    recommendation_note = models.TextField(_("recommendation note"), blank=True)
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recommended_on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deciding_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("deciding unit")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    approved_amount = models.DecimalField(_("approved amount"), max_digits=14, decimal_places=2, null=True)
    previous_decider = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True

    def set_recommendation(self, *, recommendation, amount, note, by, on_behalf_of, deciding_unit):
        self.recommendation = recommendation
        self.recommended_amount = amount
        self.recommendation_note = note
        self.recommended_by = by
        self.recommended_on_behalf_of = on_behalf_of
        self.deciding_unit = deciding_unit

    def clear_recommendation(self):
        self.recommendation = ""
        self.recommended_amount = None
        self.recommended_by = None
        self.recommended_on_behalf_of = None
        self.deciding_unit = None

    def set_decision(self, *, by, on_behalf_of, at, note, approved):
        self.decided_by = by
        self.decided_on_behalf_of = on_behalf_of
        self.decided_at = at
        self.decision_note = note
        if approved:
            self.approved_amount = self.recommended_amount

    def clear_decision(self):
        self.previous_decider = self.decided_by
        self.decided_by = None
        self.decided_on_behalf_of = None
        self.decided_at = None

    # What a service saves after each of the methods above.
    RECOMMENDATION_FIELDS = [
        "recommendation",
        "recommended_amount",
        "recommendation_note",
        "recommended_by",
        "recommended_on_behalf_of",
        "deciding_unit",
    ]
    DECISION_FIELDS = ["decided_by", "decided_on_behalf_of", "decided_at", "decision_note", "approved_amount"]
    # An appeal clears both and remembers the earlier decider (four eyes on the new decision).
    REOPENED_FIELDS = [*RECOMMENDATION_FIELDS, *DECISION_FIELDS, "previous_decider"]


def document_path(instance, filename):
    return f"cases/{instance.case_id}/{filename}"


class CaseDocument(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=document_path)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    @staticmethod
    def digest(content):
        return hashlib.sha256(content).hexdigest()


class CaseComment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]


class Notification(models.Model):
    """A message to a person, sent at most once: ``key`` is unique per notification."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        SMS = "sms", _("SMS")
        PORTAL = "portal", _("portal message")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("skipped")

    key = models.CharField(max_length=120, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="notifications")
    recipient = models.CharField(_("recipient"), max_length=200, blank=True, db_default="")
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="notifications")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["created_at"], name="notification_pending", condition=models.Q(status="pending")),
        ]


class StaffAlert(models.Model):
    """Something a staff member must look at: overdue work in their subtree, an escalation."""

    class Kind(models.TextChoices):
        OVERDUE = "overdue", _("overdue")
        ESCALATED = "escalated", _("escalated")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_alerts")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="staff_alerts")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("staff alert")
        verbose_name_plural = _("staff alerts")
        constraints = [models.UniqueConstraint(fields=["user", "case", "kind", "created_at"], name="staff_alert_once")]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="staff_alert_inbox")]
