"""Cases and their state machines.

The ``state`` field is protected: only a ``@transition`` method changes it, and only a
service in ``cases/services.py`` calls those methods (lock, authority, transition, save,
audit event, side effects after commit, in one transaction). Transition bodies change
fields of ``self`` only.
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


class Case(FSMModelMixin, models.Model):
    reference = models.CharField(_("reference"), max_length=30, unique=True)
    case_type = models.CharField(_("type"), max_length=30, choices=CaseType.choices)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="cases")
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, null=True, blank=True, related_name="cases")
    owning_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="cases", verbose_name=_("unit"))
    state = FSMField(_("state"), default="draft", protected=True, max_length=30)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    process = models.OneToOneField(Process, on_delete=models.PROTECT, null=True, blank=True, related_name="case")
    # Head of this case's audit chain, kept on the row that is locked anyway.
    audit_seq = models.PositiveIntegerField(default=0, editable=False)
    audit_hash = models.CharField(max_length=64, default=GENESIS, editable=False)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["owning_unit", "state", "due_date"], name="case_unit_state_due"),
            models.Index(fields=["case_type", "state"], name="case_type_state"),
            models.Index(fields=["state", "due_date"], name="case_state_due"),
        ]

    def __str__(self):
        return self.reference


class BenefitType(models.TextChoices):
    SICKNESS = "sickness", _("Sickness benefit")
    MATERNITY = "maternity", _("Maternity benefit")
    DISABILITY = "disability", _("Disability pension")
    OLD_AGE = "old_age", _("Old-age pension")
    SURVIVORS = "survivors", _("Survivors' pension")
    FUNERAL = "funeral", _("Funeral grant")
    MARRIAGE = "marriage", _("Marriage grant")
    UNEMPLOYMENT = "unemployment", _("Unemployment benefit")


class ClaimState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    AWAITING_INFO = "awaiting_info", _("Awaiting information")
    RECOMMENDED = "recommended", _("Recommended")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    IN_PAYMENT = "in_payment", _("In payment")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Channel(models.TextChoices):
    PORTAL = "portal", _("e-services portal")
    COUNTER = "counter", _("branch counter")
    PROACTIVE = "proactive", _("proactive (civil registry)")


S = ClaimState
UNDECIDED = [S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.AWAITING_INFO, S.RECOMMENDED]


class BenefitClaim(Case):
    benefit_type = models.CharField(_("benefit"), max_length=20, choices=BenefitType.choices)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, default=Channel.PORTAL)
    event_date = models.DateField(_("date of the event"), help_text=_("marriage, death, birth, onset, retirement..."))
    deceased = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    sick_days = models.PositiveSmallIntegerField(_("sick days"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    assessment = models.JSONField(_("assessment"), default=dict, blank=True)
    info_request = models.TextField(_("information requested"), blank=True)
    info_due_date = models.DateField(_("information due"), null=True, blank=True)
    recommended_amount = models.DecimalField(_("recommended amount"), max_digits=14, decimal_places=2, null=True)
    recommended_instalments = models.PositiveSmallIntegerField(default=1)
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
        verbose_name = _("benefit claim")
        verbose_name_plural = _("benefit claims")

    # Transitions: bodies change fields of self only; the services are the guards.
    @transition(field="state", source=S.DRAFT, target=S.SUBMITTED)
    def submit(self, *, at, due_date):
        self.submitted_at = at
        self.due_date = due_date

    @transition(field="state", source=S.SUBMITTED, target=S.IN_REVIEW)
    def start_review(self):
        pass

    @transition(field="state", source=S.IN_REVIEW, target=S.AWAITING_INFO)
    def request_info(self, *, question, due_date):
        self.info_request = question
        self.info_due_date = due_date

    @transition(field="state", source=S.AWAITING_INFO, target=S.IN_REVIEW)
    def receive_info(self):
        self.info_due_date = None

    @transition(field="state", source=S.IN_REVIEW, target=S.RECOMMENDED)
    def recommend(self, *, recommendation, amount, instalments, note, by, on_behalf_of, deciding_unit):
        self.recommendation = recommendation
        self.recommended_amount = amount
        self.recommended_instalments = instalments
        self.recommendation_note = note
        self.recommended_by = by
        self.recommended_on_behalf_of = on_behalf_of
        self.deciding_unit = deciding_unit

    @transition(field="state", source=S.RECOMMENDED, target=S.IN_REVIEW)
    def send_back(self):
        self.recommendation = ""
        self.recommended_amount = None
        self.recommended_by = None
        self.recommended_on_behalf_of = None
        self.deciding_unit = None

    @transition(field="state", source=S.RECOMMENDED, target=S.APPROVED)
    def approve(self, *, by, on_behalf_of, at, note):
        self.decided_by = by
        self.decided_on_behalf_of = on_behalf_of
        self.decided_at = at
        self.decision_note = note
        self.approved_amount = self.recommended_amount

    @transition(field="state", source=S.RECOMMENDED, target=S.REJECTED)
    def reject(self, *, by, on_behalf_of, at, note):
        self.decided_by = by
        self.decided_on_behalf_of = on_behalf_of
        self.decided_at = at
        self.decision_note = note

    @transition(field="state", source=S.REJECTED, target=S.IN_REVIEW)
    def appeal(self, *, due_date):
        self.previous_decider = self.decided_by
        self.decided_by = None
        self.decided_on_behalf_of = None
        self.decided_at = None
        self.recommendation = ""
        self.recommended_amount = None
        self.recommended_by = None
        self.recommended_on_behalf_of = None
        self.deciding_unit = None
        self.due_date = due_date

    @transition(field="state", source=S.APPROVED, target=S.IN_PAYMENT)
    def start_payment(self):
        pass

    @transition(field="state", source=S.IN_PAYMENT, target=S.CLOSED)
    def close(self):
        pass

    @transition(field="state", source=UNDECIDED, target=S.WITHDRAWN)
    def withdraw(self):
        pass

    @property
    def decision_amount(self):
        return self.approved_amount if self.approved_amount is not None else self.recommended_amount


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
