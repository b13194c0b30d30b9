from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from .base import Case, Priority  # noqa: F401  (Priority: the base case's, re-exported)


class GrievanceCategory(models.TextChoices):
    BENEFIT_PROCESSING = "benefit_processing", _("Benefit processing")
    COMPLIANCE = "compliance", _("Compliance")
    CONTRIBUTION_RECORDS = "contribution_records", _("Contribution records")
    SERVICE = "service", _("Service quality")
    OTHER = "other", _("Other")


class GrievanceState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    TRIAGED = "triaged", _("Triaged")
    INVESTIGATING = "investigating", _("Under investigation")
    AWAITING_INFO = "awaiting_info", _("Awaiting information")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


G = GrievanceState


class Grievance(Case):
    REFERENCE_PREFIX = "GR"
    States = GrievanceState
    TAKE_STARTS = {}
    """A complaint about benefit processing, compliance or contribution records."""

    OPEN_STATES = [G.SUBMITTED, G.TRIAGED, G.INVESTIGATING, G.AWAITING_INFO]

    title = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    category = models.CharField(_("category"), max_length=30, choices=GrievanceCategory.choices, blank=True)
    related_case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="grievances")
    info_request = models.TextField(_("information requested"), blank=True)
    answer = models.TextField(_("answer"), blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    reopen_until = models.DateField(_("may be reopened until"), null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    class Meta:
        verbose_name = _("grievance")
        verbose_name_plural = _("grievances")

    @transition(field="state", source="draft", target=G.SUBMITTED)
    def submit(self, *, due_date):
        self.due_date = due_date

    @transition(field="state", source=G.SUBMITTED, target=G.TRIAGED)
    def triage(self, *, category, priority, due_date):
        self.category = category
        self.priority = priority
        self.due_date = due_date

    @transition(field="state", source=G.TRIAGED, target=G.INVESTIGATING)
    def investigate(self):
        pass

    @transition(field="state", source=G.INVESTIGATING, target=G.AWAITING_INFO)
    def request_info(self, *, question):
        self.info_request = question

    @transition(field="state", source=G.AWAITING_INFO, target=G.INVESTIGATING)
    def receive_info(self):
        pass

    @transition(field="state", source=G.INVESTIGATING, target=G.RESOLVED)
    def resolve(self, *, answer, at, reopen_until):
        self.answer = answer
        self.resolved_at = at
        self.reopen_until = reopen_until

    @transition(field="state", source=G.RESOLVED, target=G.INVESTIGATING)
    def reopen(self, *, due_date):
        self.reopened_count += 1
        self.due_date = due_date

    @transition(field="state", source=G.RESOLVED, target=G.CLOSED)
    def close(self):
        pass

    @transition(field="state", source=[G.SUBMITTED, G.TRIAGED, G.INVESTIGATING, G.AWAITING_INFO], target=G.WITHDRAWN)
    def withdraw(self):
        pass
