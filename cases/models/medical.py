from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from .base import Case


class MedicalPurpose(models.TextChoices):
    DISABILITY_CLAIM = "disability_claim", _("Disability claim")
    DEPENDANT = "dependant", _("Dependant's eligibility")
    REVIEW = "review", _("Periodic review")


class MedicalState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    DOCUMENTS_REVIEW = "documents_review", _("Documents under review")
    AWAITING_INFO = "awaiting_info", _("Awaiting documents")
    SCHEDULED = "scheduled", _("Session scheduled")
    DECIDED = "decided", _("Decided")
    APPEALED = "appealed", _("Appealed")
    APPEAL_SCHEDULED = "appeal_scheduled", _("Appeal session scheduled")
    FINAL = "final", _("Final decision")
    WITHDRAWN = "withdrawn", _("Withdrawn")


M = MedicalState


class MedicalCommission(Case):
    REFERENCE_PREFIX = "MC"
    States = MedicalState
    TAKE_STARTS = {M.REQUESTED: "start_review"}
    """A medical commission on a person's degree of disability; its decision can be appealed once,
    to a second commission with different members."""

    OPEN_STATES = [M.REQUESTED, M.DOCUMENTS_REVIEW, M.AWAITING_INFO, M.SCHEDULED, M.APPEALED, M.APPEAL_SCHEDULED]

    purpose = models.CharField(_("purpose"), max_length=20, choices=MedicalPurpose.choices)
    related_claim = models.ForeignKey(
        "cases.BenefitClaim", on_delete=models.PROTECT, null=True, blank=True, related_name="medical_commissions"
    )
    info_request = models.TextField(_("documents requested"), blank=True)
    degree_percent = models.PositiveSmallIntegerField(_("degree of disability (%)"), null=True, blank=True)
    permanent = models.BooleanField(_("permanent"), null=True, blank=True)
    review_date = models.DateField(_("review date"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision"), blank=True)
    appeal_grounds = models.TextField(_("grounds of appeal"), blank=True)

    class Meta:
        verbose_name = _("medical commission")
        verbose_name_plural = _("medical commissions")

    @transition(field="state", source="draft", target=M.REQUESTED)
    def submit(self, *, due_date):
        self.due_date = due_date

    @transition(field="state", source=M.REQUESTED, target=M.DOCUMENTS_REVIEW)
    def start_review(self):
        pass

    @transition(field="state", source=M.DOCUMENTS_REVIEW, target=M.AWAITING_INFO)
    def request_info(self, *, question):
        self.info_request = question

    @transition(field="state", source=M.AWAITING_INFO, target=M.DOCUMENTS_REVIEW)
    def receive_info(self):
        pass

    @transition(field="state", source=M.DOCUMENTS_REVIEW, target=M.SCHEDULED)
    def schedule(self):
        pass

    @transition(field="state", source=M.SCHEDULED, target=M.DECIDED)
    def decide(self, *, degree_percent, permanent, review_date, at, note):
        self.degree_percent = degree_percent
        self.permanent = permanent
        self.review_date = review_date
        self.decided_at = at
        self.decision_note = note

    @transition(field="state", source=M.DECIDED, target=M.APPEALED)
    def appeal(self, *, grounds, due_date):
        self.appeal_grounds = grounds
        self.due_date = due_date

    @transition(field="state", source=M.APPEALED, target=M.APPEAL_SCHEDULED)
    def schedule_appeal(self):
        pass

    @transition(field="state", source=M.APPEAL_SCHEDULED, target=M.FINAL)
    def decide_appeal(self, *, degree_percent, permanent, review_date, at, note):
        self.degree_percent = degree_percent
        self.permanent = permanent
        self.review_date = review_date
        self.decided_at = at
        self.decision_note = note

    @transition(field="state", source=M.DECIDED, target=M.FINAL)
    def finalise(self):
        pass

    @transition(
        field="state", source=[M.REQUESTED, M.DOCUMENTS_REVIEW, M.AWAITING_INFO, M.SCHEDULED], target=M.WITHDRAWN
    )
    def withdraw(self):
        pass


class CommissionSession(models.Model):
    """A sitting of a medical commission on one case: round 1 first instance, round 2 appeal."""

    case = models.ForeignKey(MedicalCommission, on_delete=models.PROTECT, related_name="sessions")
    round = models.PositiveSmallIntegerField(_("round"))
    scheduled_for = models.DateTimeField(_("scheduled for"))
    location = models.CharField(_("location"), max_length=200)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="commission_sessions")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("commission session")
        verbose_name_plural = _("commission sessions")
        constraints = [models.UniqueConstraint(fields=["case", "round"], name="one_session_per_round")]
