"""Persons, employers, employment, the contribution ledger, bank accounts and payments."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from roles.models import OrgUnit

from .ssn import validate_ssn


class Person(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "F", _("female")
        MALE = "M", _("male")

    ssn = models.CharField(_("social security number"), max_length=10, unique=True, validators=[validate_ssn])
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    death_date = models.DateField(_("date of death"), null=True, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("mobile phone"), max_length=30, blank=True)
    branch = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("home branch"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [models.Index(fields=["last_name", "first_name"], name="person_name")]

    def __str__(self):
        return f"{self.first_name} {self.last_name} ({self.ssn})"

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"


class Employer(models.Model):
    registration_number = models.CharField(_("registration number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    branch = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("branch"))

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")

    def __str__(self):
        return self.name


class EmploymentPeriod(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="employments")
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="employments")
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("employment period")
        verbose_name_plural = _("employment periods")


class ContributionEntry(models.Model):
    """One month of one person's insurance with one payer: days, insurable earnings,
    and the contributions assessed per branch of insurance."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="contributions")
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    period = models.DateField(_("period (first day of the month)"))
    days = models.PositiveSmallIntegerField(_("days"))
    insurable_earnings = models.DecimalField(_("insurable earnings"), max_digits=12, decimal_places=2)
    pension = models.DecimalField(_("pension"), max_digits=12, decimal_places=2, default=0)
    health = models.DecimalField(_("health"), max_digits=12, decimal_places=2, default=0)
    maternity = models.DecimalField(_("maternity"), max_digits=12, decimal_places=2, default=0)
    unemployment = models.DecimalField(_("unemployment"), max_digits=12, decimal_places=2, default=0)
    work_injury = models.DecimalField(_("work injury"), max_digits=12, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("contribution ledger entry")
        verbose_name_plural = _("contribution ledger entries")
        indexes = [models.Index(fields=["person", "period"], name="contribution_person_period")]

    @property
    def total(self):
        return self.pension + self.health + self.maternity + self.unemployment + self.work_injury


class BankAccount(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="bank_accounts")
    iban = models.CharField(_("IBAN"), max_length=34)
    holder = models.CharField(_("holder"), max_length=200)
    verified = models.BooleanField(_("verified"), default=False)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")

    def __str__(self):
        return f"{self.iban} ({self.holder})"


class DisabilityAssessment(models.Model):
    """A medical commission's decision on a person's degree of disability."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="disability_assessments")
    degree_percent = models.PositiveSmallIntegerField(_("degree of disability (%)"))
    permanent = models.BooleanField(_("permanent"), default=False)
    decided_on = models.DateField(_("decided on"))
    review_date = models.DateField(_("review date"), null=True, blank=True)
    source_reference = models.CharField(_("decision reference"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("disability assessment")
        verbose_name_plural = _("disability assessments")


class PaymentSchedule(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        COMPLETED = "completed", _("completed")
        SUSPENDED = "suspended", _("suspended")

    case_reference = models.CharField(_("case"), max_length=30, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="payment_schedules")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("payment schedule")
        verbose_name_plural = _("payment schedules")


class Payment(models.Model):
    class Status(models.TextChoices):
        DUE = "due", _("due")
        PAID = "paid", _("paid")

    schedule = models.ForeignKey(PaymentSchedule, on_delete=models.PROTECT, related_name="payments")
    due_date = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DUE)
    paid_at = models.DateTimeField(null=True, blank=True)
    iban = models.CharField(_("paid to"), max_length=34, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["status", "due_date"], name="payment_due")]


class CivilRegistryRecord(models.Model):
    """A record received from the civil registry (marriages), kept once so an import can be re-run."""

    class Kind(models.TextChoices):
        MARRIAGE = "marriage", _("marriage")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    registration_number = models.CharField(_("registration number"), max_length=40)
    person_ssn = models.CharField(_("social security number"), max_length=10)
    event_date = models.DateField(_("date"))
    received_at = models.DateTimeField()
    outcome = models.CharField(_("outcome"), max_length=30)
    outcome_reason = models.TextField(_("reason"), blank=True)
    case_reference = models.CharField(max_length=30, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "registration_number", "person_ssn"], name="civil_record_once")
        ]


class LedgerPosting(models.Model):
    """Money on a contribution account other than the monthly assessment: payments received,
    refunds paid out, late-payment penalties, waivers of penalties and other adjustments.
    Amounts are positive; the kind gives the direction."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("payment received")
        REFUND = "refund", _("refund paid")
        PENALTY = "penalty", _("late-payment penalty")
        WAIVER = "waiver", _("penalty waived")
        ADJUSTMENT = "adjustment", _("adjustment")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="postings")
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, null=True, blank=True, related_name="postings")
    period = models.DateField(_("period (first day of the month)"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    value_date = models.DateField(_("value date"))
    posted_at = models.DateTimeField(_("posted"))
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("ledger posting")
        verbose_name_plural = _("ledger postings")
        indexes = [
            models.Index(fields=["person", "period"], name="posting_person_period"),
            models.Index(fields=["employer", "period"], name="posting_employer_period"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="posting_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | models.Q(employer__isnull=False), name="posting_has_account"
            ),
        ]


class PayeeDesignation(models.Model):
    """While active, a beneficiary's benefit payments go to the representative's account."""

    beneficiary = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="payee_designations")
    representative = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="represented")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="+")
    active_from = models.DateField(_("active from"))
    active_to = models.DateField(_("active to"), null=True, blank=True)
    suspended = models.BooleanField(_("suspended"), default=False)
    case_reference = models.CharField(max_length=30, unique=True)

    class Meta:
        verbose_name = _("representative payee designation")
        verbose_name_plural = _("representative payee designations")
        indexes = [models.Index(fields=["beneficiary", "active_from"], name="payee_beneficiary")]


class Dependant(models.Model):
    """A person supported by an insured person (eligibility from rules.dependants)."""

    class Relationship(models.TextChoices):
        CHILD = "child", _("child")
        SPOUSE = "spouse", _("spouse")
        FATHER = "father", _("father")
        MOTHER = "mother", _("mother")

    insured = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="dependants")
    dependant = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="supported_by")
    relationship = models.CharField(_("relationship"), max_length=10, choices=Relationship.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("dependant")
        verbose_name_plural = _("dependants")
