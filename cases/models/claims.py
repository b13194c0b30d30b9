from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from registry.models import Person

from .base import Case, DecisionFields, reviewed_states


class BenefitType(models.TextChoices):
    SICKNESS = "sickness", _("Sickness benefit")
    MATERNITY = "maternity", _("Maternity benefit")
    DISABILITY = "disability", _("Disability pension")
    OLD_AGE = "old_age", _("Old-age pension")
    SURVIVORS = "survivors", _("Survivors' pension")
    FUNERAL = "funeral", _("Funeral grant")
    MARRIAGE = "marriage", _("Marriage grant")
    UNEMPLOYMENT = "unemployment", _("Unemployment benefit")


ClaimState = reviewed_states(
    "ClaimState",
    ("IN_PAYMENT", ("in_payment", _("In payment"))),
    ("CLOSED", ("closed", _("Closed"))),
    first=[("DRAFT", ("draft", _("Draft")))],
)


class Channel(models.TextChoices):
    PORTAL = "portal", _("e-services portal")
    COUNTER = "counter", _("branch counter")
    PROACTIVE = "proactive", _("proactive (civil registry)")


S = ClaimState
UNDECIDED = [S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.AWAITING_INFO, S.RECOMMENDED]


class BenefitClaim(DecisionFields, Case):
    REFERENCE_PREFIX = "BC"
    States = ClaimState
    TAKE_STARTS = {S.SUBMITTED: "start_review"}
    OPEN_STATES = [S.SUBMITTED, S.IN_REVIEW, S.AWAITING_INFO, S.RECOMMENDED]

    benefit_type = models.CharField(_("benefit"), max_length=20, choices=BenefitType.choices)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, default=Channel.PORTAL)
    event_date = models.DateField(_("date of the event"), help_text=_("marriage, death, birth, onset, retirement..."))
    deceased = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    sick_days = models.PositiveSmallIntegerField(_("sick days"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    assessment = models.JSONField(_("assessment"), default=dict, blank=True)
    info_request = models.TextField(_("information requested"), blank=True)
    info_due_date = models.DateField(_("information due"), null=True, blank=True)
    recommended_instalments = models.PositiveSmallIntegerField(default=1)

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
        self.set_recommendation(
            recommendation=recommendation,
            amount=amount,
            note=note,
            by=by,
            on_behalf_of=on_behalf_of,
            deciding_unit=deciding_unit,
        )
        self.recommended_instalments = instalments

    @transition(field="state", source=S.RECOMMENDED, target=S.APPROVED)
    def approve(self, *, by, on_behalf_of, at, note):
        self.set_decision(by=by, on_behalf_of=on_behalf_of, at=at, note=note, approved=True)

    @transition(field="state", source=S.RECOMMENDED, target=S.REJECTED)
    def reject(self, *, by, on_behalf_of, at, note):
        self.set_decision(by=by, on_behalf_of=on_behalf_of, at=at, note=note, approved=False)

    @transition(field="state", source=S.REJECTED, target=S.IN_REVIEW)
    def appeal(self, *, due_date):
        self.clear_decision()
        self.clear_recommendation()
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
