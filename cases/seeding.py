"""Demo data and bulk synthetic data.

``seed_demo`` builds a small, complete office through the real services: the org tree,
authority limits, parameters, staff of every role, insured people with careers and bank
accounts, and benefit claims in every state, so that queues, inboxes and audit chains are
the ones the application itself writes. It is idempotent: what exists is kept, what is
missing is added, and every staff password is replaced by a new random one.

``seed_scale`` writes large volumes of synthetic claims with their viewflow processes and
tasks and their audit chains, in bulk (COPY on PostgreSQL, multi-row inserts on SQLite).
"""

import csv
import datetime as dt
import io
import json
import queue
import random
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from audit.actors import Actor
from audit.chain import GENESIS
from audit.services import ChainHead, build_event, create_checkpoint, record_event
from registry.models import (
    BankAccount,
    ContributionEntry,
    DisabilityAssessment,
    Employer,
    EmploymentPeriod,
    Person,
)
from registry.ssn import make_ssn
from roles.models import AuthorityLimit, Level, OrgUnit, Role, RoleAssignment
from roles.powers import Power, roles_with
from roles.selectors import deciding_unit
from roles.services import authority_limit_set, org_unit_create, role_grant, staff_account_create
from rules.parameters import install_defaults, param
from rules.penalties import due_date_of

from . import services
from .catalog import TYPES
from .models import BenefitClaim, BenefitType, Case, CaseType, ClaimState

User = get_user_model()

# --- The organisation ---------------------------------------------------------------------

CENTRAL = ("HQ", "Central office")
REGIONS = [("RN", "Northern region"), ("RS", "Southern region")]
BRANCHES = [
    ("RN-RIV", "Riverside branch", "RN"),
    ("RN-HIL", "Hillview branch", "RN"),
    ("RS-HAR", "Harbour branch", "RS"),
    ("RS-LAK", "Lakeside branch", "RS"),
]
LIMITS_FROM = dt.date(2000, 1, 1)
# (level, amount): what a supervisor or branch manager may approve when held at that level.
LIMITS = [
    (Level.BRANCH, Decimal("5000.00")),
    (Level.REGION, Decimal("50000.00")),
    (Level.CENTRAL, None),
]
DECIDING_ROLES = (Role.SUPERVISOR, Role.BRANCH_MANAGER)


@dataclass
class OrgTree:
    central: OrgUnit
    regions: list
    branches: list

    @property
    def units(self):
        return [self.central, *self.regions, *self.branches]


def _unit(code, name, level, parent):
    unit = OrgUnit.objects.filter(code=code).first()
    return unit or org_unit_create(code=code, name=name, level=level, parent=parent)


def ensure_org():
    """The central office, two regions and four branches; existing units are kept."""
    central = OrgUnit.objects.filter(parent__isnull=True).first() or org_unit_create(
        code=CENTRAL[0], name=CENTRAL[1], level=Level.CENTRAL
    )
    regions = {code: _unit(code, name, Level.REGION, central) for code, name in REGIONS}
    branches = [_unit(code, name, Level.BRANCH, regions[region]) for code, name, region in BRANCHES]
    return OrgTree(central=central, regions=list(regions.values()), branches=branches)


def ensure_limits():
    """Authority limits of the deciding roles; a limit already in force is not rewritten."""
    existing = {
        (role, level): amount
        for role, level, amount in AuthorityLimit.objects.filter(valid_from=LIMITS_FROM).values_list(
            "role", "level", "amount"
        )
    }
    for role in DECIDING_ROLES:
        for level, amount in LIMITS:
            key = (role, level)
            if key in existing and existing[key] == amount:
                continue
            authority_limit_set(actor=None, role=role, level=level, amount=amount, valid_from=LIMITS_FROM)


def ensure_installation():
    """Parameters, org tree and authority limits: what any data needs first."""
    install_defaults()
    org = ensure_org()
    ensure_limits()
    return org


# --- Staff ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffSpec:
    username: str
    role: str
    unit_code: str


def staff_specs():
    specs = [
        StaffSpec("admin.central", Role.ADMINISTRATOR, CENTRAL[0]),
        StaffSpec("auditor.central", Role.AUDITOR, CENTRAL[0]),
        StaffSpec("supervisor.central", Role.SUPERVISOR, CENTRAL[0]),
        # The appeal commission: other members than the regions' first commissions.
        StaffSpec("medical1.central", Role.MEDICAL_COMMISSION, CENTRAL[0]),
        StaffSpec("medical2.central", Role.MEDICAL_COMMISSION, CENTRAL[0]),
        StaffSpec("medical3.central", Role.MEDICAL_COMMISSION, CENTRAL[0]),
    ]
    for code, name in REGIONS:
        slug = name.split()[0].lower()
        specs += [
            StaffSpec(f"supervisor.{slug}", Role.SUPERVISOR, code),
            StaffSpec(f"finance.{slug}", Role.FINANCE_OFFICER, code),
            StaffSpec(f"medical.{slug}", Role.MEDICAL_COMMISSION, code),
            StaffSpec(f"medical2.{slug}", Role.MEDICAL_COMMISSION, code),
            StaffSpec(f"medical3.{slug}", Role.MEDICAL_COMMISSION, code),
            StaffSpec(f"admin.{slug}", Role.ADMINISTRATOR, code),
        ]
    for code, name, _region in BRANCHES:
        slug = name.split()[0].lower()
        specs += [
            StaffSpec(f"operator1.{slug}", Role.OPERATOR, code),
            StaffSpec(f"operator2.{slug}", Role.OPERATOR, code),
            StaffSpec(f"supervisor.{slug}", Role.SUPERVISOR, code),
            StaffSpec(f"manager.{slug}", Role.BRANCH_MANAGER, code),
        ]
    return specs


PASSWORD_ALPHABET = string.ascii_letters + string.digits + "-_.!"


def new_password(user=None):
    """A random password that passes the configured validators."""
    while True:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(18))
        try:
            validate_password(password, user)
        except ValidationError:
            continue
        return password


@dataclass
class StaffLogin:
    username: str
    password: str
    role: str
    unit: OrgUnit
    user: object


def ensure_staff(org, rng_names):
    """Every demo account with its role; each gets a new random password (returned)."""
    units = {u.code: u for u in OrgUnit.objects.all()}
    units[CENTRAL[0]] = org.central
    role_since = dt.date(timezone.localdate().year - 1, 1, 1)
    logins = []
    for spec in staff_specs():
        unit = units[spec.unit_code]
        first, last = rng_names()
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            # Checked against the account it will belong to, as the service checks it.
            email = f"{spec.username}@example.org"
            password = new_password(User(username=spec.username, first_name=first, last_name=last, email=email))
            user = staff_account_create(
                actor=None,
                username=spec.username,
                password=password,
                unit=unit,
                first_name=first,
                last_name=last,
                email=email,
            )
        else:
            password = new_password(user)
            with transaction.atomic():
                user.set_password(password)
                user.is_active = True
                user.save(update_fields=["password", "is_active"])
                record_event(
                    subject_type="user",
                    subject_id=user.pk,
                    action="user.password_set",
                    org_unit_id=unit.pk,
                    payload={"username": user.get_username(), "by": "demo loader"},
                )
        holds = RoleAssignment.objects.filter(user=user, role=spec.role, org_unit=unit, valid_to__isnull=True).exists()
        if not holds:
            role_grant(actor=None, user=user, role=spec.role, unit=unit, valid_from=role_since)
        logins.append(StaffLogin(spec.username, password, spec.role, unit, user))
    return logins


# --- Insured people, employers, careers -----------------------------------------------------

DEMO_PERSONS = 200
DEMO_EMPLOYERS = 20
DEMO_SSN_FIRST = 100_000_001
DEMO_SEED = 20_240_917


class Profile:
    ELDERLY = "elderly"
    DECEASED = "deceased"
    LOW = "low_contributions"
    UNEMPLOYED = "unemployed"
    DISABLED = "disabled"
    WORKER = "worker"


def _profile(slot):
    """The kind of person at position ``slot`` (0..49) of a branch's people."""
    if slot < 6:
        return Profile.ELDERLY
    if slot < 9:
        return Profile.DECEASED
    if slot < 12:
        return Profile.LOW
    if slot < 16:
        return Profile.UNEMPLOYED
    if slot < 18:
        return Profile.DISABLED
    return Profile.WORKER


def _month_add(day, months):
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass
class Career:
    start: dt.date  # first month
    end: dt.date  # last month
    wage: Decimal


def _ascii(text):
    return "".join(ch for ch in text.lower() if ch in string.ascii_lowercase)


def ensure_people(org, faker, rng):
    """200 insured people spread over the branches, with employers, careers, contributions,
    employment periods and verified bank accounts. People who already exist are kept."""
    today = timezone.localdate()
    last_month = _month_add(today.replace(day=1), -1)
    employers = []
    for n in range(DEMO_EMPLOYERS):
        branch = org.branches[n % len(org.branches)]
        company = faker.company()
        employer = Employer.objects.filter(registration_number=f"EMP-{n + 1:05d}").first()
        if employer is None:
            employer = Employer.objects.create(registration_number=f"EMP-{n + 1:05d}", name=company, branch=branch)
        employers.append(employer)

    existing = {
        p.ssn: p for p in Person.objects.filter(ssn__in=[make_ssn(DEMO_SSN_FIRST + i) for i in range(DEMO_PERSONS)])
    }
    people, careers, new = [], {}, []
    for i in range(DEMO_PERSONS):
        # Every draw happens whether or not the person exists, so a re-run sees the same values.
        branch = org.branches[i % len(org.branches)]
        slot = i // len(org.branches)
        kind = _profile(slot)
        sex = "F" if rng.random() < 0.5 else "M"
        first = faker.first_name_female() if sex == "F" else faker.first_name_male()
        last = faker.last_name()
        death_date = None
        if kind == Profile.ELDERLY:
            birth = dt.date(today.year - rng.randint(66, 71), rng.randint(1, 12), rng.randint(1, 28))
            retired = _month_add(dt.date(birth.year + 65, birth.month, 1), -1)
            years = 40 if slot == 0 else rng.randint(28, 40)
            wage = Decimal("8500.00") if (slot == 0 and i == 0) else Decimal(rng.randrange(1800, 4200, 50))
            career = Career(_month_add(retired, -12 * years + 1), retired, wage)
        elif kind == Profile.DECEASED:
            birth = dt.date(rng.randint(1950, 1975), rng.randint(1, 12), rng.randint(1, 28))
            death_date = today - dt.timedelta(days=rng.randint(20, 200))
            end = _month_add(death_date.replace(day=1), -1)
            career = Career(_month_add(end, -12 * rng.randint(15, 25) + 1), end, Decimal(rng.randrange(1600, 4000, 50)))
        elif kind == Profile.LOW:
            birth = dt.date(rng.randint(1995, 2004), rng.randint(1, 12), rng.randint(1, 28))
            career = Career(
                _month_add(last_month, -rng.randint(3, 7)), last_month, Decimal(rng.randrange(1300, 1800, 50))
            )
        else:
            birth = dt.date(rng.randint(1972, 1998), rng.randint(1, 12), rng.randint(1, 28))
            end = _month_add(last_month, -1) if kind == Profile.UNEMPLOYED else last_month
            years = rng.randint(3, 15)
            career = Career(_month_add(end, -12 * years + 1), end, Decimal(rng.randrange(2000, 4500, 50)))
        ssn = make_ssn(DEMO_SSN_FIRST + i)
        phone = "07" + "".join(str(rng.randint(0, 9)) for _ in range(8))
        iban = faker.iban()
        person = existing.get(ssn)
        if person is None:
            person = Person(
                ssn=ssn,
                first_name=first,
                last_name=last,
                birth_date=birth,
                sex=sex,
                death_date=death_date,
                email=f"{_ascii(first)}.{_ascii(last)}.{i + 1}@example.org",
                phone=phone,
                branch=branch,
            )
            new.append((person, iban))
        people.append((person, kind, slot))
        careers[ssn] = career
    Person.objects.bulk_create([p for p, _iban in new])
    created = {p.ssn: p for p in Person.objects.filter(ssn__in=[p.ssn for p, _iban in new])}
    for index, (person, kind, slot) in enumerate(people):
        if person.pk is None:
            people[index] = (created[person.ssn], kind, slot)

    new_ids = {created_p.pk for created_p in created.values()}
    entries, periods, accounts, assessments = [], [], [], []
    for person, kind, _slot in people:
        if person.pk not in new_ids:
            continue
        career = careers[person.ssn]
        entries_p, periods_p = _career_rows(person, career, employers, rng, open_ended=(career.end == last_month))
        entries += entries_p
        periods += periods_p
        if kind == Profile.DISABLED:
            assessments.append(
                DisabilityAssessment(
                    person=person,
                    degree_percent=rng.choice([50, 60, 70, 80]),
                    permanent=False,
                    decided_on=today - dt.timedelta(days=rng.randint(20, 60)),
                    review_date=today + dt.timedelta(days=365),
                    source_reference=f"MC-{today.year}-{person.pk:05d}",
                )
            )
    for person, iban in new:
        accounts.append(
            BankAccount(
                person=created[person.ssn],
                iban=iban,
                holder=created[person.ssn].full_name,
                verified=True,
                valid_from=careers[person.ssn].start,
            )
        )
    ContributionEntry.objects.bulk_create(entries, batch_size=2000)
    EmploymentPeriod.objects.bulk_create(periods, batch_size=2000)
    BankAccount.objects.bulk_create(accounts, batch_size=2000)
    DisabilityAssessment.objects.bulk_create(assessments)
    return people, employers


RATES = {
    "pension": Decimal("0.10"),
    "health": Decimal("0.05"),
    "maternity": Decimal("0.005"),
    "unemployment": Decimal("0.01"),
    "work_injury": Decimal("0.005"),
}
CENT = Decimal("0.01")


def _career_rows(person, career, employers, rng, *, open_ended):
    """Monthly contributions over the career, split into one to three jobs."""
    months = (career.end.year - career.start.year) * 12 + career.end.month - career.start.month + 1
    jobs = min(months, rng.randint(1, 3))
    cuts = sorted(rng.sample(range(1, months), jobs - 1)) if jobs > 1 else []
    bounds = [0, *cuts, months]
    entries, periods = [], []
    for j in range(jobs):
        employer = rng.choice(employers)
        first = _month_add(career.start, bounds[j])
        last = _month_add(career.start, bounds[j + 1] - 1)
        # Earlier jobs paid somewhat less: from 85 % of the career wage up to all of it.
        share = Decimal(85 + 15 * j // (jobs - 1)) / 100 if jobs > 1 else Decimal(1)
        wage = max((career.wage * share).quantize(CENT), Decimal("1200.00"))
        is_last = j == jobs - 1
        end = None if (is_last and open_ended) else _month_add(last, 1) - dt.timedelta(days=1)
        periods.append(
            EmploymentPeriod(person=person, employer=employer, start=first, end=end, job_title=_job_title(rng))
        )
        for m in range(bounds[j], bounds[j + 1]):
            entries.append(
                ContributionEntry(
                    person=person,
                    employer=employer,
                    period=_month_add(career.start, m),
                    days=30,
                    insurable_earnings=wage,
                    **{k: (wage * r).quantize(CENT) for k, r in RATES.items()},
                )
            )
    return entries, periods


JOB_TITLES = [
    "clerk",
    "technician",
    "driver",
    "nurse",
    "accountant",
    "mechanic",
    "teacher",
    "cook",
    "welder",
    "sales assistant",
]


def _job_title(rng):
    return rng.choice(JOB_TITLES)


# --- Claims in every state, through the services ---------------------------------------------

# (outcome, benefit, claimant profile). Each branch gets every scenario once; an outcome
# names the state the claim is left in and how it got there.
SCENARIOS = [
    ("submitted", BenefitType.MARRIAGE, Profile.WORKER),
    ("submitted", BenefitType.SICKNESS, Profile.WORKER),
    ("submitted", BenefitType.MATERNITY, "female"),
    ("submitted", BenefitType.OLD_AGE, Profile.ELDERLY),
    ("submitted", BenefitType.FUNERAL, Profile.WORKER),
    ("submitted", BenefitType.UNEMPLOYMENT, Profile.UNEMPLOYED),
    ("submitted", BenefitType.DISABILITY, Profile.DISABLED),
    ("in_review", BenefitType.SICKNESS, Profile.WORKER),
    ("in_review", BenefitType.MARRIAGE, Profile.WORKER),
    ("in_review", BenefitType.SURVIVORS, Profile.WORKER),
    ("in_review", BenefitType.OLD_AGE, Profile.ELDERLY),
    ("awaiting_info", BenefitType.MATERNITY, "female"),
    ("awaiting_info", BenefitType.SICKNESS, Profile.WORKER),
    ("info_received", BenefitType.MARRIAGE, Profile.WORKER),
    ("recommended", BenefitType.MARRIAGE, Profile.WORKER),
    ("recommended", BenefitType.SICKNESS, Profile.WORKER),
    ("recommended", BenefitType.FUNERAL, Profile.WORKER),
    ("decision_taken", BenefitType.SICKNESS, Profile.WORKER),
    ("escalated", BenefitType.UNEMPLOYMENT, Profile.UNEMPLOYED),
    ("in_payment", BenefitType.MARRIAGE, Profile.WORKER),
    ("in_payment_escalated", BenefitType.OLD_AGE, Profile.ELDERLY),
    ("closed", BenefitType.MARRIAGE, Profile.WORKER),
    ("rejected", BenefitType.MARRIAGE, Profile.LOW),
    ("appealed", BenefitType.SICKNESS, Profile.LOW),
    ("withdrawn", BenefitType.SICKNESS, Profile.WORKER),
]
# Only in the first branch: the highest pension, above the region's limit.
CENTRAL_SCENARIO = ("escalated", BenefitType.OLD_AGE, "top_earner")

QUESTIONS = {
    BenefitType.MATERNITY: "Please send the birth certificate of the child.",
    BenefitType.SICKNESS: "Please send the medical certificate covering the whole period of sickness.",
    BenefitType.MARRIAGE: "Please send the marriage certificate issued by the civil registry.",
}


@dataclass
class BranchStaff:
    operators: list
    supervisor: object
    manager: object
    region_supervisor: object
    central_supervisor: object
    finance: object


def _branch_staff(logins, org):
    by_unit = {}
    for login in logins:
        by_unit.setdefault((login.unit.pk, login.role), []).append(login.user)
    region_of = {b.pk: b.parent_id for b in org.branches}
    staff = {}
    for branch in org.branches:
        region = region_of[branch.pk]
        staff[branch.pk] = BranchStaff(
            operators=by_unit[(branch.pk, Role.OPERATOR)],
            supervisor=by_unit[(branch.pk, Role.SUPERVISOR)][0],
            manager=by_unit[(branch.pk, Role.BRANCH_MANAGER)][0],
            region_supervisor=by_unit[(region, Role.SUPERVISOR)][0],
            central_supervisor=by_unit[(org.central.pk, Role.SUPERVISOR)][0],
            finance=by_unit[(region, Role.FINANCE_OFFICER)][0],
        )
    return staff


class _Pool:
    """The people of one branch, handed out once each by profile."""

    def __init__(self, people):
        self.people = people
        self.used = set()
        self.deceased = [p for p, kind, _slot in people if kind == Profile.DECEASED]
        self.next_deceased = 0

    def take(self, wanted):
        for person, kind, slot in self.people:
            if person.pk in self.used:
                continue
            if wanted == "female":
                fits = kind == Profile.WORKER and person.sex == "F"
            elif wanted == "top_earner":
                fits = kind == Profile.ELDERLY and slot == 0
            elif wanted == Profile.WORKER:
                # Men first, so that women remain for the maternity claims.
                fits = kind == Profile.WORKER and (person.sex == "M" or self._no_men_left())
            else:
                fits = kind == wanted and not (kind == Profile.ELDERLY and slot == 0)
            if fits:
                self.used.add(person.pk)
                return person
        raise LookupError(f"no person left for {wanted}")

    def _no_men_left(self):
        return not any(
            kind == Profile.WORKER and person.sex == "M" and person.pk not in self.used
            for person, kind, _slot in self.people
        )

    def a_deceased(self):
        person = self.deceased[self.next_deceased % len(self.deceased)]
        self.next_deceased += 1
        return person


def _event_date(benefit, person, deceased, rng, today):
    if benefit in (BenefitType.FUNERAL, BenefitType.SURVIVORS):
        return deceased.death_date
    if benefit == BenefitType.UNEMPLOYMENT:
        return _month_add(today.replace(day=1), -1)
    if benefit == BenefitType.DISABILITY:
        found = person.disability_assessments.order_by("-decided_on").first()
        return found.decided_on if found else today - dt.timedelta(days=30)
    if benefit == BenefitType.OLD_AGE:
        return today - dt.timedelta(days=rng.randint(10, 40))
    return today - dt.timedelta(days=rng.randint(5, 60))


def _run_scenario(outcome, benefit, person, deceased, staff, rng, today):
    op = staff.operators[rng.randrange(len(staff.operators))]
    counter = rng.random() < 0.3
    claim = services.claim_file(
        person=person,
        benefit_type=benefit,
        event_date=_event_date(benefit, person, deceased, rng, today),
        actor=op if counter else Actor.person(person),
        channel="counter" if counter else "portal",
        deceased=deceased,
        sick_days=rng.randint(7, 21) if benefit == BenefitType.SICKNESS else None,
    )
    cid = claim.pk
    if outcome == "submitted":
        return claim
    if outcome == "withdrawn":
        return services.claim_withdraw(
            case_id=cid, actor=Actor.person(person), reason="The claimant no longer needs the benefit."
        )
    services.task_take(case_id=cid, actor=op)
    if outcome == "in_review":
        return claim
    if outcome in ("awaiting_info", "info_received"):
        question = QUESTIONS.get(benefit, "Please send a copy of your identity document.")
        services.claim_request_info(case_id=cid, actor=op, question=question)
        services.case_comment_add(case_id=cid, actor=op, text="Information requested from the claimant.")
        if outcome == "info_received":
            services.claim_receive_info(
                case_id=cid, actor=Actor.person(person), answer="The requested document is attached."
            )
        return claim
    if outcome in ("rejected", "appealed"):
        services.claim_recommend(
            case_id=cid, actor=op, approve=False, note="The qualifying contribution period is not met."
        )
        services.claim_decide(
            case_id=cid,
            actor=staff.supervisor,
            approve=False,
            note="Not enough contribution days in the qualifying window.",
        )
        if outcome == "appealed":
            services.claim_appeal(
                case_id=cid,
                actor=Actor.person(person),
                grounds="Contributions from a previous employer are missing from the record.",
            )
        return claim
    services.claim_recommend(case_id=cid, actor=op, approve=True)
    claim.refresh_from_db()
    if outcome in ("recommended", "escalated"):
        return claim
    if outcome == "decision_taken":
        services.task_take(case_id=cid, actor=staff.supervisor)
        return claim
    if claim.deciding_unit_id == claim.owning_unit_id:
        decider = staff.manager if outcome == "in_payment" else staff.supervisor
    elif claim.deciding_unit_id == claim.owning_unit.parent_id:
        decider = staff.region_supervisor
    else:
        decider = staff.central_supervisor
    services.claim_decide(case_id=cid, actor=decider, approve=True, note="Entitlement confirmed.")
    if outcome == "closed":
        services.claim_pay_due(case_id=cid, actor=staff.finance)
    return claim


def ensure_claims(org, people, logins, rng, branches=None):
    """Claims of every state in every branch (or in the first ``branches``). A scenario whose
    claimant already has a case is not filed again, so a re-run adds nothing."""
    today = timezone.localdate()
    staff = _branch_staff(logins, org)
    with_cases = set(Case.objects.filter(person__in=[p for p, _k, _s in people]).values_list("person_id", flat=True))
    filed = 0
    for index, branch in enumerate(org.branches[:branches]):
        pool = _Pool([row for row in people if row[0].branch_id == branch.pk])
        scenarios = list(SCENARIOS) + ([CENTRAL_SCENARIO] if index == 0 else [])
        for outcome, benefit, wanted in scenarios:
            person = pool.take(wanted)
            deceased = pool.a_deceased() if benefit in (BenefitType.FUNERAL, BenefitType.SURVIVORS) else None
            scenario_rng = random.Random(f"{DEMO_SEED}:{person.ssn}")
            if person.pk in with_cases:
                continue
            _run_scenario(outcome, benefit, person, deceased, staff[branch.pk], scenario_rng, today)
            filed += 1
    return filed


# --- The other case types in every state, through their services -----------------------------

# The states each type's demo reaches come from its declaration in the registry (cases.catalog).
SESSION_PLACE = "Regional medical centre, room 2"


class _People:
    """Demo people of one branch handed out in a fixed order, from the end of the list (the
    claims take theirs from the start), so that a re-run picks the same people."""

    def __init__(self, people, branch):
        self.rows = [p for p, kind, _slot in reversed(people) if p.branch_id == branch.pk and kind == Profile.WORKER]
        self.next = 0

    def take(self):
        person = self.rows[self.next % len(self.rows)]
        self.next += 1
        return person


def _paid_period(person=None, employer=None, *, before=None):
    """The latest period with contributions on the account (before the month ``before`` when
    given), with what was assessed for it."""
    from registry import ledger

    entries = ContributionEntry.objects.filter(**({"person": person} if person else {"employer": employer}))
    if before is not None:
        entries = entries.filter(period__lt=before)
    period = entries.aggregate(m=Max("period"))["m"]
    assessed = ledger.balance(person=person, employer=employer, period_from=period, period_to=period).assessed
    return period, assessed


# A waiver's period: old enough that it fell due (on any due day of a month) weeks ago, and
# was paid late before today, whatever day of the month the demo is built on.
WAIVER_PERIOD_AGE_MONTHS = 3
WAIVER_PAID_LATE_DAYS = 45


def _refund(state, person, staff):
    from registry import ledger
    from registry.models import LedgerPosting

    from . import refunds

    period, assessed = _paid_period(person=person)
    # Paid twice for the month: what is refundable is the second payment.
    for days in (20, 35):
        ledger.post(
            kind=LedgerPosting.Kind.PAYMENT,
            amount=assessed,
            person=person,
            period=period,
            value_date=_month_add(period, 1) + dt.timedelta(days=days - 20),
        )
    case = refunds.refund_file(
        actor=Actor.person(person),
        person=person,
        period_from=period,
        period_to=period,
        reason="The contribution for the month was paid twice.",
    )
    cid, op = case.pk, staff.operators[0]
    if state == "withdrawn":
        return refunds.refund_withdraw(case_id=cid, actor=Actor.person(person), reason="Settled with the employer.")
    if state == "submitted":
        return case
    services.task_take(case_id=cid, actor=op)
    if state == "awaiting_info":
        return refunds.refund_request_info(
            case_id=cid, actor=op, question="Please send the bank statement of both payments."
        )
    if state == "in_review":
        return case
    approve = state != "rejected"
    refunds.refund_recommend(case_id=cid, actor=op, approve=approve, note="" if approve else "No double payment found.")
    if state == "recommended":
        return case
    return refunds.refund_decide(
        case_id=cid, actor=staff.supervisor, approve=approve, note="Checked against the ledger."
    )


def _waiver(state, employer, staff):
    from registry import ledger
    from registry.models import LedgerPosting

    from . import waivers

    today = timezone.localdate()
    period, assessed = _paid_period(
        employer=employer, before=_month_add(today.replace(day=1), 1 - WAIVER_PERIOD_AGE_MONTHS)
    )
    due = due_date_of(period, param("contribution.due_day", period))
    if assessed > 0:
        ledger.post(
            kind=LedgerPosting.Kind.PAYMENT,
            amount=assessed,
            employer=employer,
            period=period,
            value_date=min(due + dt.timedelta(days=WAIVER_PAID_LATE_DAYS), today - dt.timedelta(days=1)),
        )
    case = waivers.waiver_file(
        actor=Actor.employer(employer),
        employer=employer,
        period_from=period,
        period_to=period,
        grounds="The payroll office was closed by a flood.",
    )
    cid, op = case.pk, staff.operators[0]
    if state == "withdrawn":
        return waivers.waiver_withdraw(case_id=cid, actor=Actor.employer(employer), reason="The penalty was paid.")
    if state == "submitted":
        return case
    services.task_take(case_id=cid, actor=op)
    if state == "awaiting_info":
        return waivers.waiver_request_info(
            case_id=cid, actor=op, question="Please send a certificate of the flood damage."
        )
    if state == "in_review":
        return case
    approve = state != "rejected"
    waivers.waiver_recommend(case_id=cid, actor=op, approve=approve, note="" if approve else "No grounds for a waiver.")
    if state == "recommended":
        return case
    return waivers.waiver_decide(case_id=cid, actor=staff.supervisor, approve=approve, note="Reviewed.")


def _grievance(state, person, staff):
    from . import grievances

    case = grievances.grievance_file(
        actor=Actor.person(person),
        person=person,
        title="Slow answer to my letter",
        description="I wrote to the branch and had no answer for weeks.",
    )
    cid, op = case.pk, staff.operators[0]
    if state == "withdrawn":
        return grievances.grievance_withdraw(
            case_id=cid, actor=Actor.person(person), reason="The branch called me back."
        )
    if state == "escalated":
        return grievances.grievance_escalate(
            case_id=cid, actor=Actor.person(person), reason="I want the region to look at it."
        )
    if state == "submitted":
        return case
    services.task_take(case_id=cid, actor=op)
    grievances.grievance_triage(case_id=cid, actor=op, category="service", priority="normal")
    if state == "triaged":
        return case
    services.task_take(case_id=cid, actor=op)
    if state in ("awaiting_info", "investigating"):
        grievances.grievance_request_info(case_id=cid, actor=op, question="Please send a copy of your letter.")
        if state == "investigating":
            grievances.grievance_receive_info(case_id=cid, actor=Actor.person(person), answer="A copy is attached.")
        return case
    grievances.grievance_resolve(case_id=cid, actor=op, answer="We apologise; your letter has now been answered.")
    if state == "closed":
        after = timezone.localdate() + dt.timedelta(days=int(param("grievance.reopen_days", timezone.localdate())) + 1)
        return grievances.grievance_close(case_id=cid, on=after)
    return case


def _medical(state, person, staff, doctors, appeal_doctors):
    from . import medical
    from .models import MedicalPurpose

    case = medical.medical_request(actor=Actor.person(person), person=person, purpose=MedicalPurpose.REVIEW)
    cid, op = case.pk, staff.operators[0]
    if state == "withdrawn":
        return medical.medical_withdraw(
            case_id=cid, actor=Actor.person(person), reason="The review is no longer needed."
        )
    if state == "requested":
        return case
    services.task_take(case_id=cid, actor=op)
    if state == "awaiting_info":
        return medical.medical_request_info(case_id=cid, actor=op, question="Please send the specialist's report.")
    if state == "documents_review":
        return case
    medical.medical_schedule(
        case_id=cid, actor=op, scheduled_for=timezone.now(), location=SESSION_PLACE, members=doctors
    )
    if state == "scheduled":
        return case
    medical.medical_decide(
        case_id=cid,
        actor=doctors[0],
        degree_percent=60,
        permanent=False,
        review_date=timezone.localdate() + dt.timedelta(days=365),
        note="Partial loss of working capacity.",
    )
    if state == "decided":
        return case
    if state == "final":
        after = timezone.localdate() + dt.timedelta(days=int(param("medical.appeal_days", timezone.localdate())) + 1)
        return medical.medical_finalise(case_id=cid, on=after)
    medical.medical_appeal(
        case_id=cid, actor=Actor.person(person), grounds="The commission did not consider my latest report."
    )
    if state == "appealed":
        return case
    services.task_take(case_id=cid, actor=op)
    return medical.medical_schedule_appeal(
        case_id=cid, actor=op, scheduled_for=timezone.now(), location=SESSION_PLACE, members=appeal_doctors
    )


def _payee(state, beneficiary, representative, staff):
    from . import payees

    account = BankAccount.objects.filter(person=representative, verified=True).first()
    case = payees.payee_request(
        actor=Actor.person(beneficiary),
        beneficiary=beneficiary,
        representative=representative,
        representative_account=account,
        relationship="daughter",
        grounds="The beneficiary can no longer manage money alone.",
    )
    cid, op = case.pk, staff.operators[0]
    if state == "withdrawn":
        return payees.payee_withdraw(
            case_id=cid, actor=Actor.person(beneficiary), reason="The family found another arrangement."
        )
    if state == "submitted":
        return case
    services.task_take(case_id=cid, actor=op)
    if state == "verifying":
        return case
    if state == "rejected":
        return payees.payee_reject(case_id=cid, actor=op, reason="The documents do not show the relationship.")
    payees.payee_verify(case_id=cid, actor=op, identity_ok=True, documents_ok=True)
    if state == "verified":
        return case
    today = timezone.localdate()
    active_from = today + dt.timedelta(days=30) if state == "approved" else today
    payees.payee_approve(case_id=cid, actor=staff.supervisor, active_from=active_from)
    if state == "suspended":
        payees.payee_suspend(case_id=cid, actor=op, reason="The representative did not report for a quarter.")
    elif state == "revoked":
        payees.payee_revoke(case_id=cid, actor=staff.supervisor, reason="The beneficiary manages alone again.")
    return case


def _attorney(state, grantor, attorney, staff):
    from . import attorneys

    today = timezone.localdate()
    case = attorneys.attorney_request(
        actor=Actor.person(grantor),
        grantor=grantor,
        attorney=attorney,
        attorney_name=attorney.last_name,
        scope=[CaseType.BENEFIT_CLAIM, CaseType.GRIEVANCE],
        valid_from=today,
        valid_to=today + dt.timedelta(days=365),
    )
    cid, op = case.pk, staff.operators[0]
    if state == "withdrawn":
        return attorneys.attorney_withdraw(case_id=cid, actor=Actor.person(grantor), reason="Not needed any more.")
    if state == "submitted":
        return case
    services.task_take(case_id=cid, actor=op)
    if state == "verifying":
        return case
    if state == "rejected":
        return attorneys.attorney_reject(case_id=cid, actor=op, reason="The signature on the form is missing.")
    attorneys.attorney_verify(case_id=cid, actor=op, identity_ok=True, documents_ok=True)
    if state == "verified":
        return case
    attorneys.attorney_approve(case_id=cid, actor=staff.supervisor)
    if state == "revoked":
        attorneys.attorney_revoke(case_id=cid, actor=Actor.person(grantor), reason="I manage my requests myself again.")
    return case


class DemoCast:
    """Who and what the demo's builders work with: the org tree, the staff of each branch, the
    demo people and employers (handed out in a fixed order, so that a re-run picks the same)."""

    def __init__(self, org, people, employers, logins, rng, claim_branches=None):
        self.org, self.people, self.employers, self.logins = org, people, employers, logins
        self.rng, self.claim_branches = rng, claim_branches
        self.branches = org.branches
        self.staff = _branch_staff(logins, org)
        self.pools = {b.pk: _People(people, b) for b in self.branches}
        self.doctors = {}
        for login in logins:
            if login.role == Role.MEDICAL_COMMISSION:
                self.doctors.setdefault(login.unit.pk, []).append(login.user)
        self.employers_of = {b.pk: [e for e in employers if e.branch_id == b.pk] for b in self.branches}
        self.employers_used = dict.fromkeys(self.employers_of, 0)

    def person(self, branch):
        return self.pools[branch.pk].take()

    def employer(self, branch):
        found = self.employers_of[branch.pk]
        self.employers_used[branch.pk] += 1
        return found[(self.employers_used[branch.pk] - 1) % len(found)]

    def pensioner(self):
        """A demo person paid an old-age pension (the first such claim), or None."""
        claim = (
            BenefitClaim.objects.filter(
                benefit_type=BenefitType.OLD_AGE, state=ClaimState.IN_PAYMENT, person__death_date__isnull=True
            )
            .select_related("person__branch")
            .order_by("pk")
            .first()
        )
        return claim.person if claim is not None else None

    def has_cases(self, model):
        """The demo's people or employers have a case of ``model``'s type already."""
        demo_people = [p for p, _k, _s in self.people]
        return model.objects.filter(Q(person__in=demo_people) | Q(employer__in=self.employers)).exists()


def claim_demo(cast, spec):
    """The registry's demo builder of claims: the scenarios (``SCENARIOS``) in every branch (or the
    first ``claim_branches``), which reach every state of ``spec.demo``."""
    return ensure_claims(cast.org, cast.people, cast.logins, cast.rng, branches=cast.claim_branches)


def _one_per_state(make):
    """A demo builder ``(cast, spec)`` leaving one case in each of the type's demo states
    (``spec.demo``), spread over the branches, each made by ``make(cast, state, branch, staff)``;
    nothing when the demo has cases of the type already."""

    def build(cast, spec):
        if cast.has_cases(spec.model):
            return 0
        for n, state in enumerate(spec.demo):
            branch = cast.branches[n % len(cast.branches)]
            make(cast, state, branch, cast.staff[branch.pk])
        return len(spec.demo)

    return build


refund_demo = _one_per_state(lambda cast, state, branch, staff: _refund(state, cast.person(branch), staff))
waiver_demo = _one_per_state(lambda cast, state, branch, staff: _waiver(state, cast.employer(branch), staff))
grievance_demo = _one_per_state(lambda cast, state, branch, staff: _grievance(state, cast.person(branch), staff))
medical_demo = _one_per_state(
    lambda cast, state, branch, staff: _medical(
        state, cast.person(branch), staff, cast.doctors[branch.parent_id], cast.doctors[cast.org.central.pk]
    )
)


def _payee_case(cast, state, branch, staff):
    """A payee request in ``state``: the one in force is for a pensioner (when the demo has one),
    so that the demo's representative payee acts for a pensioner in the portal."""
    pensioner = cast.pensioner() if state == "active" else None
    if pensioner is not None:
        branch = pensioner.branch
        return _payee(state, pensioner, cast.person(branch), cast.staff[branch.pk])
    return _payee(state, cast.person(branch), cast.person(branch), staff)


payee_demo = _one_per_state(_payee_case)
attorney_demo = _one_per_state(
    lambda cast, state, branch, staff: _attorney(state, cast.person(branch), cast.person(branch), staff)
)


def ensure_cases(cast):
    """Every type's demo cases, by the builder its registry entry names: {case type: how many
    were filed}, for the types that filed any."""
    filed = {spec.case_type: spec.build_demo(cast) for spec in TYPES.values()}
    return {case_type: count for case_type, count in filed.items() if count}


@dataclass
class PortalLogin:
    username: str
    password: str
    person: object
    why: str


# Demo people who get a portal account: claimants of the first branch, a representative payee and
# an attorney (each acting for someone in the portal).
PORTAL_CLAIMANTS = 2


def ensure_portal_accounts(org):
    """Portal accounts for some demo people (new passwords on every run, like the staff's):
    the first claimants of the first branch, the representative of an active payee designation
    and the attorney of a power of attorney in force (``why`` says whom they act for). Returns
    their logins."""
    from portal.models import PortalAccount
    from portal.services import portal_account_open

    chosen = []
    claimants = (
        Case.objects.filter(
            case_type=CaseType.BENEFIT_CLAIM, owning_unit=org.branches[0], person__death_date__isnull=True
        )
        .order_by("pk")
        .values_list("person_id", flat=True)
    )
    for person_id in dict.fromkeys(claimants):
        if len(chosen) == PORTAL_CLAIMANTS:
            break
        chosen.append((Person.objects.get(pk=person_id), "claimant"))
    from . import attorneys
    from .models import PowerOfAttorney, RepresentativePayee

    payee = (
        RepresentativePayee.objects.filter(state="active")
        .select_related("representative", "person")
        .order_by("pk")
        .first()
    )
    if payee is not None:
        chosen.append((payee.representative, f"representative payee of {payee.person.full_name} ({payee.reference})"))
    power = (
        PowerOfAttorney.objects.filter(attorneys.in_force(timezone.localdate()))
        .select_related("attorney", "person")
        .order_by("pk")
        .first()
    )
    if power is not None:
        chosen.append((power.attorney, f"attorney of {power.person.full_name} ({power.reference})"))
    logins = []
    for person, why in chosen:
        password = new_password()  # (the same generator as the staff's: it passes the validators)
        account = PortalAccount.objects.filter(person=person).select_related("user").first()
        if account is None:
            account = portal_account_open(person=person, password=password, actor=Actor.system("demo loader"))
        else:
            with transaction.atomic():
                account.user.set_password(password)
                account.user.save(update_fields=["password"])
                record_event(
                    subject_type="portal_account",
                    subject_id=account.pk,
                    action="portal_account.password_set",
                    actor=Actor.system("demo loader"),
                    payload={"login": account.user.get_username()},
                )
        logins.append(PortalLogin(account.user.get_username(), password, person, why))
    return logins


@dataclass
class DemoResult:
    logins: list
    persons: int
    employers: int
    claims_filed: int
    checkpoint: object
    claims_by_state: dict = field(default_factory=dict)
    other_filed: dict = field(default_factory=dict)
    cases_by_type_state: dict = field(default_factory=dict)
    added: dict = field(default_factory=dict)  # what this run created: {what: how many}
    portal_logins: list = field(default_factory=list)


def demo_counts():
    """How many of each kind of thing the demo builds are in the database (a handful of queries)."""
    counts = {
        "org units": OrgUnit.objects.count(),
        "staff accounts": User.objects.filter(portal_account__isnull=True).count(),
        "portal accounts": User.objects.filter(portal_account__isnull=False).count(),
        "role assignments": RoleAssignment.objects.count(),
        "insured people": Person.objects.count(),
        "employers": Employer.objects.count(),
        "contribution entries": ContributionEntry.objects.count(),
    }
    by_type = dict(Case.objects.values_list("case_type").annotate(n=Count("id")).values_list("case_type", "n"))
    for case_type in CaseType.values:
        counts[f"{case_type} cases"] = by_type.get(case_type, 0)
    return counts


def seed_demo(*, claim_branches=None):
    """Build (or complete) the demo office. Returns the staff logins with their new passwords.
    ``claim_branches``: file the benefit claims' scenarios in the first N branches only (a
    smaller demo, with every state still reached)."""
    from faker import Faker

    faker = Faker("en_US")
    faker.seed_instance(DEMO_SEED)
    rng = random.Random(DEMO_SEED)
    before = demo_counts()
    org = ensure_installation()
    staff_faker = Faker("en_US")
    staff_faker.seed_instance(DEMO_SEED + 1)
    logins = ensure_staff(org, lambda: (staff_faker.first_name(), staff_faker.last_name()))
    people, employers = ensure_people(org, faker, rng)
    other_filed = ensure_cases(DemoCast(org, people, employers, logins, rng, claim_branches))
    filed = other_filed.pop(CaseType.BENEFIT_CLAIM, 0)
    portal_logins = ensure_portal_accounts(org)
    checkpoint = create_checkpoint(settle=dt.timedelta(0))
    states = {}
    for state in BenefitClaim.objects.values_list("state", flat=True):
        states[state] = states.get(state, 0) + 1
    after = demo_counts()
    return DemoResult(
        added={what: after[what] - before[what] for what in after if after[what] != before[what]},
        logins=logins,
        portal_logins=portal_logins,
        persons=len(people),
        employers=len(employers),
        claims_filed=filed,
        checkpoint=checkpoint,
        claims_by_state=states,
        other_filed=other_filed,
        cases_by_type_state={
            (case_type, state): count
            for case_type, state, count in Case.objects.values("case_type", "state")
            .annotate(n=Count("id"))
            .values_list("case_type", "state", "n")
        },
    )


# --- Bulk synthetic claims (seed_scale) -------------------------------------------------------

# Share of the synthetic claims left in each situation (they add up to 1).
SCALE_MIX = [
    ("submitted", 0.55),  # review task waiting in the branch queue
    ("in_review", 0.18),  # review task assigned to an operator
    ("awaiting_info", 0.05),  # review task assigned, claimant asked for information
    ("recommended", 0.12),  # decision task waiting in the deciding unit's queue
    ("withdrawn", 0.05),  # withdrawn by the claimant before review; task cancelled
    ("rejected", 0.05),  # recommended for rejection and rejected
]
# benefit: (amount per instalment, instalments, reason, details, weight)
SCALE_BENEFITS = {
    BenefitType.SICKNESS: (
        Decimal("840.00"),
        1,
        "14 sick days at 0.70 of the average daily wage.",
        {"sick_days": "14"},
        30,
    ),
    BenefitType.MARRIAGE: (
        Decimal("1200.00"),
        1,
        "1080 contribution days in the window (720 required).",
        {"days": "1080"},
        20,
    ),
    BenefitType.MATERNITY: (Decimal("9600.00"), 1, "120 days of maternity benefit.", {"days": "120"}, 10),
    BenefitType.UNEMPLOYMENT: (Decimal("1320.00"), 6, "6 monthly payments.", {"average_monthly_wage": "2400.00"}, 15),
    BenefitType.OLD_AGE: (
        Decimal("1080.00"),
        12,
        "30.00 insured years at an accrual of 0.015.",
        {"insured_years": "30.00"},
        15,
    ),
    BenefitType.DISABILITY: (Decimal("720.00"), 12, "Disability of 60 %.", {"degree_percent": "60"}, 10),
}
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
QUESTION = "Please send the certificate that supports your claim."
REJECTION = "The qualifying contribution period is not met."
WITHDRAWAL = "The claimant no longer needs the benefit."


def synthetic_reference(case_id, year, prefix="BC"):
    """A claim reference for a synthetic case. The services draw eight characters from an
    alphabet without U; these start with U, so the two can never collide."""
    body = []
    n = case_id
    for _ in range(7):
        n, r = divmod(n, 32)
        body.append(REFERENCE_ALPHABET[r])
    if n:
        raise ValueError("case id out of range for a reference")
    return f"{prefix}-{year}-U{''.join(reversed(body))}"


# Column kinds, for encoding values per database. JSON values are given as JSON text.
INT, STR, DT, DATE, DEC, JSON = "int", "str", "dt", "date", "dec", "json"


@dataclass(frozen=True)
class Table:
    model: type
    columns: tuple  # ((column, kind), ...)

    @property
    def name(self):
        return self.model._meta.db_table

    @property
    def column_names(self):
        return [c for c, _k in self.columns]

    @property
    def nullable(self):
        fields = {f.column: f for f in self.model._meta.concrete_fields}
        return [c for c, _k in self.columns if fields[c].null]


PERSON_TABLE = Table(
    Person,
    (
        ("id", INT),
        ("ssn", STR),
        ("first_name", STR),
        ("last_name", STR),
        ("birth_date", DATE),
        ("sex", STR),
        ("death_date", DATE),
        ("email", STR),
        ("phone", STR),
        ("created_at", DT),
        ("branch_id", INT),
    ),
)
CASE_TABLE = Table(
    Case,
    (
        ("id", INT),
        ("reference", STR),
        ("case_type", STR),
        ("state", STR),
        ("due_date", DATE),
        ("created_at", DT),
        ("updated_at", DT),
        ("audit_seq", INT),
        ("audit_hash", STR),
        ("employer_id", INT),
        ("owning_unit_id", INT),
        ("person_id", INT),
        ("process_id", INT),
        ("task_status", STR),
        ("task_pk", INT),
        ("task_owner_id", INT),
        ("task_queue", STR),
        ("task_unit_id", INT),
        ("task_created", DT),
    ),
)


def _task_mirror(task_id, status, owner_id, permission, unit_id, created):
    """The case columns that copy its open task (routing.mirror), for a task in that situation."""
    if status not in ("NEW", "ASSIGNED"):
        return ("", None, None, "", None, None)
    return (status, task_id, owner_id, permission, unit_id, created)


CLAIM_TABLE = Table(
    BenefitClaim,
    (
        ("case_ptr_id", INT),
        ("benefit_type", STR),
        ("channel", STR),
        ("event_date", DATE),
        ("sick_days", INT),
        ("submitted_at", DT),
        ("assessment", JSON),
        ("info_request", STR),
        ("info_due_date", DATE),
        ("recommended_amount", DEC),
        ("recommended_instalments", INT),
        ("recommendation", STR),
        ("recommendation_note", STR),
        ("decided_at", DT),
        ("decision_note", STR),
        ("approved_amount", DEC),
        ("deceased_id", INT),
        ("decided_by_id", INT),
        ("decided_on_behalf_of_id", INT),
        ("deciding_unit_id", INT),
        ("previous_decider_id", INT),
        ("recommended_by_id", INT),
        ("recommended_on_behalf_of_id", INT),
    ),
)


def _viewflow_tables():
    from viewflow.workflow.models import Process, Task

    process = Table(
        Process, (("id", INT), ("flow_class", STR), ("status", STR), ("created", DT), ("finished", DT), ("data", JSON))
    )
    task = Table(
        Task,
        (
            ("id", INT),
            ("process_id", INT),
            ("flow_task", STR),
            ("flow_task_type", STR),
            ("status", STR),
            ("created", DT),
            ("assigned", DT),
            ("finished", DT),
            ("token", STR),
            ("owner_id", INT),
            ("owner_permission", STR),
            ("owner_permission_content_type_id", INT),
            ("owner_permission_obj_pk", STR),
            ("data", JSON),
        ),
    )
    return process, task


def _event_table():
    from audit.models import AuditEvent

    return Table(
        AuditEvent,
        (
            ("occurred_at", DT),
            ("actor_id", INT),
            ("actor_label", STR),
            ("actor_kind", STR),
            ("actor_identity", STR),
            ("acting_for", STR),
            ("on_behalf_of_id", INT),
            ("org_unit_id", INT),
            ("subject_type", STR),
            ("subject_id", STR),
            ("seq", INT),
            ("action", STR),
            ("from_state", STR),
            ("to_state", STR),
            ("payload", JSON),
            ("request_id", STR),
            ("client_ip", STR),
            ("prev_hash", STR),
            ("hash", STR),
        ),
    )


EMPTY_JSON = "{}"


def _dump_json(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class BulkWriter:
    """Inserts the rows of a Table with one statement per batch: COPY (CSV) on PostgreSQL, a
    multi-row insert (executemany) on SQLite. Ids are reserved up front so that rows of a
    batch can refer to each other.

    ``encode`` is pure CPU work and ``load`` is database work, so a caller may run them on
    different threads.
    """

    def __init__(self, vendor):
        self.vendor = vendor

    def reserve_ids(self, table, count, conn=connection):
        if count == 0:
            return []
        with conn.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table.name, count]
                )
                return [row[0] for row in cursor.fetchall()]
            # SQLite has one writer at a time: the caller's transaction holds the lock.
            cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table.name}"')
            start = cursor.fetchone()[0] + 1
            return list(range(start, start + count))

    def encode(self, table, rows):
        """Rows ready for ``load``. JSON columns arrive as JSON text already."""
        if self.vendor != "postgresql":
            return [self._sqlite_row(row, table) for row in rows]
        # CSV with every non-numeric value quoted: an unquoted empty field is NULL, a quoted
        # one an empty string; FORCE_NULL turns the quoted "" that Python writes for None in
        # the nullable columns back into NULL.
        buffer = io.StringIO()
        csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n").writerows(rows)
        buffer.seek(0)
        return buffer

    def _sqlite_row(self, row, table):
        ops = connection.ops
        out = []
        for value, (_c, kind) in zip(row, table.columns, strict=True):
            if value is not None:
                if kind == DT:
                    value = ops.adapt_datetimefield_value(value)
                elif kind == DATE:
                    value = value.isoformat()
                elif kind == DEC:
                    value = str(value)
            out.append(value)
        return out

    def load(self, table, encoded, conn=connection):
        columns = ", ".join(f'"{c}"' for c in table.column_names)
        with conn.cursor() as cursor:
            if self.vendor == "postgresql":
                options = "FORMAT csv"
                if table.nullable:
                    options += ", FORCE_NULL (" + ", ".join(f'"{c}"' for c in table.nullable) + ")"
                cursor.copy_expert(f'COPY "{table.name}" ({columns}) FROM STDIN WITH ({options})', encoded)
            else:
                marks = ", ".join(["%s"] * len(table.columns))
                cursor.executemany(f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})', encoded)


class _Loader:
    """Loads encoded batches, each in one transaction. With ``threaded`` a thread with its own
    database connection does it while the caller prepares the next batch (PostgreSQL); the
    caller's error surfaces at the next ``submit`` or at ``close``."""

    def __init__(self, writer, *, threaded, on_loaded):
        self.writer = writer
        self.on_loaded = on_loaded
        self.error = None
        self.thread = None
        if threaded:
            self.queue = queue.Queue(maxsize=2)
            self.thread = threading.Thread(target=self._run, name="seed-loader", daemon=True)
            self.thread.start()

    def _load(self, item, conn):
        with transaction.atomic(using=conn.alias):
            if self.writer.vendor == "postgresql":
                with conn.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            for table, encoded in item["tables"]:
                self.writer.load(table, encoded, conn)
        self.on_loaded(item)

    def _run(self):
        from django.db import connections

        conn = connections[connection.alias]  # this thread's own connection
        try:
            while True:
                item = self.queue.get()
                if item is None:
                    return
                if self.error is None:
                    self._load(item, conn)
        except BaseException as exc:  # handed to the caller's thread
            self.error = exc
            while self.queue.get() is not None:
                pass
        finally:
            conn.close()

    def submit(self, item):
        if self.thread is None:
            self._load(item, connection)
            return
        if self.error is not None:
            raise self.error
        self.queue.put(item)

    def close(self):
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
            if self.error is not None:
                raise self.error


@dataclass
class ScaleStats:
    persons: int = 0
    cases: int = 0
    tasks: int = 0
    open_tasks: int = 0
    assigned_tasks: int = 0
    events: int = 0
    seconds: float = 0.0
    checkpoint_seconds: float = 0.0
    by_state: dict = field(default_factory=dict)

    @property
    def rate(self):
        return self.cases / self.seconds if self.seconds else 0.0


class _ScaleContext:
    """What every batch needs, read once: branches, staff, queue keys, names."""

    def __init__(self, seed):
        from django.contrib.contenttypes.models import ContentType
        from faker import Faker
        from viewflow.workflow.fields import get_flow_ref, get_task_ref

        from workflows.flows import BenefitClaimFlow

        self.rng = random.Random(seed)
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.units = {u.pk: u for u in OrgUnit.objects.all()}
        self.branches = sorted((u for u in self.units.values() if u.level == Level.BRANCH), key=lambda u: u.path)
        if not self.branches:
            raise LookupError("The organisation has no branches.")
        on = self.today
        assignments = (
            RoleAssignment.objects.filter(valid_from__lte=on, user__is_active=True)
            .exclude(valid_to__lt=on)
            .select_related("user")
            .order_by("id")
        )
        self.operators = {}
        self.deciders = {}
        decide_roles = set(roles_with(Power.DECIDE_CASE))
        for a in assignments:
            if a.role == Role.OPERATOR:
                self.operators.setdefault(a.org_unit_id, []).append(a.user)
            elif a.role in decide_roles:
                self.deciders.setdefault(a.org_unit_id, []).append(a.user)
        self.decide_roles = list(roles_with(Power.DECIDE_CASE))
        self.unit_ct = ContentType.objects.get_for_model(OrgUnit).pk
        self.flow_ref = get_flow_ref(BenefitClaimFlow)
        self.review_ref = get_task_ref(BenefitClaimFlow.review)
        self.decide_ref = get_task_ref(BenefitClaimFlow.decide)
        self.review_perm = BenefitClaimFlow.QUEUE_PERMISSIONS["review"]
        self.decide_perm = BenefitClaimFlow.QUEUE_PERMISSIONS["decide"]
        self.sla_days = int(param(f"sla.{CaseType.BENEFIT_CLAIM}.days", self.today))
        self.info_days = int(param("sla.information_request.days", self.today))
        self._deciding = {}
        # Each benefit's assessment, as a payload and as JSON text.
        self.assessments = {b: (_assessment(b), _dump_json(_assessment(b))) for b in SCALE_BENEFITS}
        faker = Faker("en_US")
        faker.seed_instance(seed)
        self.female_names = sorted({faker.first_name_female() for _ in range(400)})
        self.male_names = sorted({faker.first_name_male() for _ in range(400)})
        self.last_names = sorted({faker.last_name() for _ in range(1000)})
        benefits = list(SCALE_BENEFITS)
        self.benefits = benefits
        self.benefit_weights = [SCALE_BENEFITS[b][4] for b in benefits]
        self.states = [s for s, _w in SCALE_MIX]
        self.state_weights = [w for _s, w in SCALE_MIX]
        last = Person.objects.aggregate(m=Max("ssn"))["m"]
        self.next_serial = max(200_000_000, int(last[:9]) + 1 if last else 0)

    def deciding_unit(self, branch, total):
        key = (branch.pk, total)
        if key not in self._deciding:
            self._deciding[key] = deciding_unit(branch, total, self.decide_roles, on=self.today)
        return self._deciding[key]

    def decider_for(self, unit):
        """A user who decides at ``unit`` or above it, nearest first."""
        current = unit
        while current is not None:
            users = self.deciders.get(current.pk)
            if users:
                return users[0]
            current = self.units.get(current.parent_id)
        return None


class _Chain:
    """The audit chain of one synthetic case, built event by event with build_event."""

    __slots__ = ("case_id", "unit_id", "head", "rows")

    def __init__(self, case_id, unit_id, rows):
        self.case_id = case_id
        self.unit_id = unit_id
        self.head = ChainHead(0, GENESIS)
        self.rows = rows

    def add(self, action, at, *, actor=None, unit_id=None, from_state="", to_state="", payload=None):
        event = build_event(
            subject_type="case",
            subject_id=self.case_id,
            action=action,
            head=self.head,
            actor=actor,
            org_unit_id=unit_id or self.unit_id,
            from_state=from_state,
            to_state=to_state,
            payload=payload,
            occurred_at=at,
            request_id="",
        )
        self.head = ChainHead(event.seq, event.hash)
        self.rows.append(
            (
                event.occurred_at,
                event.actor_id,
                event.actor_label,
                event.actor_kind,
                event.actor_identity,
                event.acting_for,
                event.on_behalf_of_id,
                event.org_unit_id,
                event.subject_type,
                event.subject_id,
                event.seq,
                event.action,
                event.from_state,
                event.to_state,
                _dump_json(event.payload),
                event.request_id,
                event.client_ip,
                event.prev_hash,
                event.hash,
            )
        )


def _assessment(benefit):
    amount, instalments, reason, details, _w = SCALE_BENEFITS[benefit]
    return {
        "eligible": True,
        "reason": reason,
        "amount": str(amount),
        "instalments": instalments,
        "total": str(amount * instalments),
        "details": dict(details),
    }


def _plan(ctx, count):
    """Benefit, state and branch of each claim of a batch (states a branch's staff can reach)."""
    rng = ctx.rng
    plans = []
    benefits = rng.choices(ctx.benefits, ctx.benefit_weights, k=count)
    states = rng.choices(ctx.states, ctx.state_weights, k=count)
    for n in range(count):
        branch = ctx.branches[rng.randrange(len(ctx.branches))]
        state = states[n]
        if state not in ("submitted", "withdrawn") and not ctx.operators.get(branch.pk):
            state = "submitted"
        if state == "rejected" and ctx.decider_for(branch) is None:
            state = "recommended"
        plans.append((branch, benefits[n], state))
    return plans


def _later(rng, at, ceiling, max_hours):
    return min(ceiling, at + dt.timedelta(seconds=rng.randint(60, int(max_hours * 3600))))


class _Synthetic:
    """One synthetic claim, moved step by step as the services in cases/services.py move a
    claim: each step writes the same audit events and leaves the task rows as they would."""

    def __init__(self, ctx, *, case_id, process_id, branch, benefit, t0, events, task_ids):
        self.ctx = ctx
        self.case_id = case_id
        self.process_id = process_id
        self.branch = branch
        self.benefit = benefit
        self.t0 = self.at = t0
        self.task_ids = task_ids
        self.chain = _Chain(case_id, branch.pk, events)
        self.amount, self.instalments = SCALE_BENEFITS[benefit][0], SCALE_BENEFITS[benefit][1]
        self.event_date = timezone.localdate(t0 - dt.timedelta(days=ctx.rng.randint(1, 60)))
        self.state = ClaimState.DRAFT
        self.process_status, self.process_finished = "NEW", None
        self.tasks = []  # [id, node ref, permission, unit, created, status, owner id, assigned, finished]
        self.fields = {
            "info_request": "",
            "info_due_date": None,
            "recommended_amount": None,
            "recommendation": "",
            "recommendation_note": "",
            "decided_at": None,
            "decision_note": "",
            "decided_by": None,
            "deciding_unit": None,
            "recommended_by": None,
        }

    def _move(self, name, to_state, *, actor=None, unit_id=None, payload=None):
        self.chain.add(
            f"{CaseType.BENEFIT_CLAIM}.{name}",
            self.at,
            actor=actor,
            unit_id=unit_id,
            from_state=self.state,
            to_state=to_state,
            payload=payload,
        )
        self.state = to_state

    def _task_event(self, action, task, *, actor=None, unit_id=None, **payload):
        self.chain.add(
            action, self.at, actor=actor, unit_id=unit_id, payload={"task": task[0], "node": task[1], **payload}
        )

    def file(self):
        """claim_file from the portal: created, submitted, review task in the branch queue."""
        self.chain.add(
            "benefit_claim.created",
            self.at,
            to_state=ClaimState.DRAFT,
            payload={"benefit": self.benefit, "channel": "portal", "event_date": self.event_date},
        )
        self._move("submit", ClaimState.SUBMITTED, payload=self.ctx.assessments[self.benefit][0])
        self._open_task("review", self.ctx.review_perm, self.branch)

    def _open_task(self, node, permission, unit, actor=None):
        task = [next(self.task_ids), node, permission, unit, self.at, "NEW", None, None, None]
        self.tasks.append(task)
        self._task_event("task.created", task, actor=actor, queue=unit.code)
        return task

    def withdraw(self):
        """claim_withdraw by the claimant: the open task is cancelled and the process ends."""
        self.at = _later(self.ctx.rng, self.at, self.ctx.now, 72)
        self._move("withdraw", ClaimState.WITHDRAWN, payload={"reason": WITHDRAWAL})
        task = self.tasks[-1]
        self._task_event("task.cancelled", task, reason="withdrawn")
        task[5], task[8] = "CANCELED", self.at
        self.process_status, self.process_finished = "DONE", self.at

    def take(self, operator):
        """task_take: the operator takes the review task, which starts the review."""
        self.at = _later(self.ctx.rng, self.at, self.ctx.now, 96)
        task = self.tasks[-1]
        self._task_event("task.assigned", task, actor=operator, owner=operator.username)
        task[5], task[6], task[7] = "ASSIGNED", operator.pk, self.at
        self._move("start_review", ClaimState.IN_REVIEW, actor=operator)

    def request_info(self, operator):
        self.at = _later(self.ctx.rng, self.at, self.ctx.now, 48)
        self._move("request_info", ClaimState.AWAITING_INFO, actor=operator, payload={"question": QUESTION})
        self.fields.update(
            info_request=QUESTION, info_due_date=timezone.localdate(self.at) + dt.timedelta(days=self.ctx.info_days)
        )

    def recommend(self, operator, *, approve):
        """claim_recommend: the review task completes; the decision task goes to the unit whose
        authority limit covers the total (approval) or stays in the branch (rejection)."""
        total = self.amount * self.instalments if approve else None
        unit = self.ctx.deciding_unit(self.branch, total) if approve else self.branch
        if not approve:
            self.instalments = 1
        self.at = _later(self.ctx.rng, self.at, self.ctx.now, 48)
        task = self.tasks[-1]
        self._task_event("task.completed", task, actor=operator, outcome="approve" if approve else "reject")
        task[5], task[8] = "DONE", self.at
        note = "" if approve else REJECTION
        self._move(
            "recommend",
            ClaimState.RECOMMENDED,
            actor=operator,
            payload={
                "recommendation": "approve" if approve else "reject",
                "amount": self.amount if approve else None,
                "instalments": self.instalments,
                "total": total,
                "deciding_unit": unit.code,
                "escalated": unit.pk != self.branch.pk,
                "note": note,
            },
        )
        self._open_task("decide", self.ctx.decide_perm, unit, actor=operator)
        self.fields.update(
            recommended_amount=self.amount if approve else None,
            recommendation="approve" if approve else "reject",
            recommendation_note=note,
            recommended_by=operator.pk,
            deciding_unit=unit.pk,
        )

    def reject(self, decider):
        """claim_decide with approve=False, by someone deciding at the deciding unit."""
        task = self.tasks[-1]
        unit = task[3]
        self.at = _later(self.ctx.rng, self.at, self.ctx.now, 48)
        self._task_event("task.completed", task, actor=decider, unit_id=unit.pk, outcome="rejected")
        task[5], task[6], task[7], task[8] = "DONE", decider.pk, self.at, self.at
        self._move("reject", ClaimState.REJECTED, actor=decider, unit_id=unit.pk, payload={"note": REJECTION})
        self.fields.update(decided_at=self.at, decision_note=REJECTION, decided_by=decider.pk)

    def rows(self, person_id):
        """(case row, claim row, process row, task rows)."""
        ctx, f = self.ctx, self.fields
        refs = {"review": ctx.review_ref, "decide": ctx.decide_ref}
        task_id, _node, permission, unit, created, status, owner, _assigned, _finished = self.tasks[-1]
        case = (
            self.case_id,
            synthetic_reference(self.case_id, self.t0.year),
            CaseType.BENEFIT_CLAIM,
            self.state,
            timezone.localdate(self.t0) + dt.timedelta(days=ctx.sla_days),
            self.t0,
            self.at,
            self.chain.head.seq,
            self.chain.head.hash,
            None,
            self.branch.pk,
            person_id,
            self.process_id,
            *_task_mirror(task_id, status, owner, permission, unit.pk, created),
        )
        claim = (
            self.case_id,
            self.benefit,
            "portal",
            self.event_date,
            14 if self.benefit == BenefitType.SICKNESS else None,
            self.t0,
            ctx.assessments[self.benefit][1],
            f["info_request"],
            f["info_due_date"],
            f["recommended_amount"],
            self.instalments,
            f["recommendation"],
            f["recommendation_note"],
            f["decided_at"],
            f["decision_note"],
            None,
            None,
            f["decided_by"],
            None,
            f["deciding_unit"],
            None,
            f["recommended_by"],
            None,
        )
        process = (self.process_id, ctx.flow_ref, self.process_status, self.t0, self.process_finished, EMPTY_JSON)
        tasks = [
            (
                task_id,
                self.process_id,
                refs[node],
                "HUMAN",
                status,
                created,
                assigned,
                finished,
                "start",
                owner,
                permission,
                ctx.unit_ct,
                str(unit.pk),
                EMPTY_JSON,
            )
            for task_id, node, permission, unit, created, status, owner, assigned, finished in self.tasks
        ]
        return case, claim, process, tasks


def _person_row(ctx, person_id, branch, benefit, t0):
    rng = ctx.rng
    serial = ctx.next_serial
    ctx.next_serial += 1
    female = benefit == BenefitType.MATERNITY or rng.random() < 0.5
    first = rng.choice(ctx.female_names if female else ctx.male_names)
    last = rng.choice(ctx.last_names)
    age = rng.randint(65, 80) if benefit == BenefitType.OLD_AGE else rng.randint(20, 62)
    birth = dt.date(ctx.today.year - age, rng.randint(1, 12), rng.randint(1, 28))
    return (
        person_id,
        make_ssn(serial),
        first,
        last,
        birth,
        "F" if female else "M",
        None,
        f"p{serial}@example.org",
        f"07{serial % 10**8:08d}",
        t0,
        branch.pk,
    )


def _scale_batch(ctx, writer, tables, count):
    """Plan, number and encode ``count`` claims with their people, processes, tasks and events."""
    person_t, process_t, task_t, event_t = tables
    rng = ctx.rng
    plans = _plan(ctx, count)
    decisions = sum(1 for _b, _k, s in plans if s in ("recommended", "rejected"))
    person_ids = writer.reserve_ids(person_t, count)
    case_ids = writer.reserve_ids(CASE_TABLE, count)
    process_ids = writer.reserve_ids(process_t, count)
    task_ids = iter(writer.reserve_ids(task_t, count + decisions))
    persons, cases, claims, processes, tasks, events = [], [], [], [], [], []
    by_state = {}
    for n, (branch, benefit, state) in enumerate(plans):
        t0 = ctx.now - dt.timedelta(seconds=rng.randint(3600, 90 * 86400))
        persons.append(_person_row(ctx, person_ids[n], branch, benefit, t0))
        claim = _Synthetic(
            ctx,
            case_id=case_ids[n],
            process_id=process_ids[n],
            branch=branch,
            benefit=benefit,
            t0=t0,
            events=events,
            task_ids=task_ids,
        )
        claim.file()
        if state == "withdrawn":
            claim.withdraw()
        elif state != "submitted":
            operators = ctx.operators[branch.pk]
            operator = operators[rng.randrange(len(operators))]
            claim.take(operator)
            if state == "awaiting_info":
                claim.request_info(operator)
            elif state in ("recommended", "rejected"):
                claim.recommend(operator, approve=state == "recommended")
                if state == "rejected":
                    claim.reject(ctx.decider_for(branch))
        case_row, claim_row, process_row, task_rows = claim.rows(person_ids[n])
        cases.append(case_row)
        claims.append(claim_row)
        processes.append(process_row)
        tasks.extend(task_rows)
        by_state[claim.state] = by_state.get(claim.state, 0) + 1
    return {
        "tables": [
            (table, writer.encode(table, rows))
            for table, rows in (
                (person_t, persons),
                (process_t, processes),
                (CASE_TABLE, cases),
                (CLAIM_TABLE, claims),
                (task_t, tasks),
                (event_t, events),
            )
        ],
        "persons": len(persons),
        "cases": len(cases),
        "tasks": len(tasks),
        "open_tasks": sum(1 for t in tasks if t[4] in ("NEW", "ASSIGNED")),
        "assigned_tasks": sum(1 for t in tasks if t[4] == "ASSIGNED"),
        "events": len(events),
        "by_state": by_state,
    }


def seed_scale(cases, *, batch=20_000, seed=1, checkpoint=True, threaded=None, progress=None, types=None):
    """Write ``cases`` synthetic benefit claims in batches, each batch in one transaction.

    Needs the org tree (it is created, with parameters and authority limits, when there is
    none). Review tasks wait in branch queues; some are assigned to the branch's operators;
    decision tasks wait in the queue of the unit whose authority limit covers the amount.
    Every case gets its audit chain, and its row holds the chain's head.

    On PostgreSQL a loader thread with its own connection copies one batch while the next
    is prepared (``threaded``; the default there). Its batches commit on that connection.
    """
    if not OrgUnit.objects.filter(level=Level.BRANCH).exists():
        ensure_installation()
    else:
        install_defaults()
    started = time.monotonic()
    ctx = _ScaleContext(seed)
    process_t, task_t = _viewflow_tables()
    tables = (PERSON_TABLE, process_t, task_t, _event_table())
    writer = BulkWriter(connection.vendor)
    if threaded is None:
        threaded = writer.vendor == "postgresql"
    stats = ScaleStats()
    lock = threading.Lock()

    def loaded(item):
        with lock:
            for key in ("persons", "cases", "tasks", "open_tasks", "assigned_tasks", "events"):
                setattr(stats, key, getattr(stats, key) + item[key])
            for state, count in item["by_state"].items():
                stats.by_state[state] = stats.by_state.get(state, 0) + count
            stats.seconds = time.monotonic() - started
            if progress:
                progress(stats)

    loader = _Loader(writer, threaded=threaded, on_loaded=loaded)
    shares = split_cases(cases, CASE_TYPES if types is None else types)
    try:
        for case_type, share in shares.items():
            if case_type == CaseType.BENEFIT_CLAIM:
                make = _scale_batch
            else:
                flow = _OtherFlow(case_type, ctx.today)

                def make(ctx, writer, tables, size, flow=flow):
                    return _scale_other_batch(ctx, writer, tables, flow, size)

            done = 0
            while done < share:
                size = min(batch, share - done)
                if threaded:
                    loader.submit(make(ctx, writer, tables, size))
                else:
                    # Ids are reserved and rows written under the same transaction.
                    with transaction.atomic():
                        loader.submit(make(ctx, writer, tables, size))
                done += size
    finally:
        loader.close()
    if writer.vendor == "postgresql":
        with connection.cursor() as cursor:
            detail_tables = [_detail_table(t) for t in shares if t != CaseType.BENEFIT_CLAIM]
            for table in (*tables, CASE_TABLE, CLAIM_TABLE, ACCOUNT_TABLE, *detail_tables):
                cursor.execute(f'ANALYZE "{table.name}"')
    if checkpoint:
        checkpoint_started = time.monotonic()
        create_checkpoint(settle=dt.timedelta(0))
        stats.checkpoint_seconds = time.monotonic() - checkpoint_started
    stats.seconds = time.monotonic() - started
    return stats


# --- Bulk synthetic cases of the other types --------------------------------------------------

CASE_TYPES = [c for c in CaseType.values]
# Share of the other types' synthetic cases left in each situation.
OTHER_MIX = [("submitted", 0.6), ("taken", 0.3), ("withdrawn", 0.1)]
# case type: (reference prefix, flow module path, flow class name, first node)
OTHER_FLOWS = {
    CaseType.CONTRIBUTION_REFUND: ("CR", "workflows.refund_flow", "RefundFlow", "review"),
    CaseType.GRIEVANCE: ("GR", "workflows.grievance_flow", "GrievanceFlow", "triage"),
    CaseType.ARREARS_WAIVER: ("AW", "workflows.waiver_flow", "ArrearsWaiverFlow", "review"),
    CaseType.MEDICAL_COMMISSION: ("MC", "workflows.medical_flow", "MedicalCommissionFlow", "review"),
    CaseType.REPRESENTATIVE_PAYEE: ("RP", "workflows.payee_flow", "RepresentativePayeeFlow", "verify"),
    CaseType.POWER_OF_ATTORNEY: ("PA", "workflows.attorney_flow", "PowerOfAttorneyFlow", "verify"),
}
OTHER_TEXT = {
    CaseType.CONTRIBUTION_REFUND: "The contribution for the month was paid twice.",
    CaseType.GRIEVANCE: "I wrote to the branch and had no answer for weeks.",
    CaseType.ARREARS_WAIVER: "The payroll office was closed by a flood.",
    CaseType.MEDICAL_COMMISSION: "Periodic review of the degree of disability.",
    CaseType.REPRESENTATIVE_PAYEE: "The beneficiary can no longer manage money alone.",
    CaseType.POWER_OF_ATTORNEY: '["benefit_claim", "grievance"]',  # the scope, as JSON
}


def _detail_table(case_type):
    from .models import CASE_MODELS

    columns = {
        CaseType.CONTRIBUTION_REFUND: (
            ("case_ptr_id", INT),
            ("recommendation", STR),
            ("recommendation_note", STR),
            ("decision_note", STR),
            ("period_from", DATE),
            ("period_to", DATE),
            ("reason", STR),
            ("refundable_amount", DEC),
            ("info_request", STR),
            ("payment_order", STR),
        ),
        CaseType.ARREARS_WAIVER: (
            ("case_ptr_id", INT),
            ("recommendation", STR),
            ("recommendation_note", STR),
            ("decision_note", STR),
            ("period_from", DATE),
            ("period_to", DATE),
            ("grounds", STR),
            ("penalty_amount", DEC),
            ("penalty_computation", JSON),
            ("info_request", STR),
        ),
        CaseType.GRIEVANCE: (
            ("case_ptr_id", INT),
            ("title", STR),
            ("description", STR),
            ("category", STR),
            ("info_request", STR),
            ("answer", STR),
            ("reopened_count", INT),
        ),
        CaseType.MEDICAL_COMMISSION: (
            ("case_ptr_id", INT),
            ("purpose", STR),
            ("info_request", STR),
            ("decision_note", STR),
            ("appeal_grounds", STR),
        ),
        CaseType.REPRESENTATIVE_PAYEE: (
            ("case_ptr_id", INT),
            ("representative_id", INT),
            ("representative_account_id", INT),
            ("relationship", STR),
            ("grounds", STR),
            ("identity_verified", INT),
            ("documents_verified", INT),
            ("end_reason", STR),
        ),
        CaseType.POWER_OF_ATTORNEY: (
            ("case_ptr_id", INT),
            ("attorney_id", INT),
            ("scope", JSON),
            ("valid_from", DATE),
            ("identity_verified", INT),
            ("documents_verified", INT),
            ("end_reason", STR),
        ),
    }[case_type]
    return Table(CASE_MODELS[case_type], columns)


ACCOUNT_TABLE = Table(
    BankAccount,
    (("id", INT), ("person_id", INT), ("iban", STR), ("holder", STR), ("verified", INT), ("valid_from", DATE)),
)


class _OtherFlow:
    """Per type: flow references, queue permission, SLA days, the take transition."""

    def __init__(self, case_type, today):
        import importlib

        from viewflow.workflow.fields import get_flow_ref, get_task_ref

        from .models import CASE_MODELS

        prefix, module, name, node = OTHER_FLOWS[case_type]
        flow_class = getattr(importlib.import_module(module), name)
        self.case_type = case_type
        self.prefix = prefix
        self.node = node
        self.flow_ref = get_flow_ref(flow_class)
        self.task_ref = get_task_ref(getattr(flow_class, node))
        self.permission = flow_class.QUEUE_PERMISSIONS[node]
        self.sla_days = int(param(f"sla.{case_type}.days", today))
        model = CASE_MODELS[case_type]
        self.first_state = "requested" if case_type == CaseType.MEDICAL_COMMISSION else "submitted"
        self.take_starts = model.TAKE_STARTS.get(self.first_state)
        self.taken_state = {
            "start_review": "in_review" if case_type != CaseType.MEDICAL_COMMISSION else "documents_review",
            "start_verification": "verifying",
        }.get(self.take_starts, self.first_state)
        self.table = _detail_table(case_type)


def _other_detail(flow, case_id, person_id, t0, rep):
    text = OTHER_TEXT[flow.case_type]
    period = _month_add(timezone.localdate(t0).replace(day=1), -3)
    if flow.case_type == CaseType.CONTRIBUTION_REFUND:
        return (case_id, "", "", "", period, period, text, Decimal("300.00"), "", "")
    if flow.case_type == CaseType.ARREARS_WAIVER:
        return (case_id, "", "", "", period, period, text, Decimal("15.00"), EMPTY_JSON, "")
    if flow.case_type == CaseType.GRIEVANCE:
        return (case_id, "Slow answer to my letter", text, "", "", "", 0)
    if flow.case_type == CaseType.MEDICAL_COMMISSION:
        return (case_id, "review", "", "", "")
    if flow.case_type == CaseType.POWER_OF_ATTORNEY:
        return (case_id, rep[0], text, timezone.localdate(t0), False, False, "")
    return (case_id, rep[0], rep[1], "daughter", text, False, False, "")


def _scale_other_batch(ctx, writer, tables, flow, count):
    """``count`` cases of one other type with their people (and, for payees, representatives
    with their accounts; for powers of attorney, the attorneys), processes, tasks and audit chains."""
    person_t, process_t, task_t, event_t = tables
    rng = ctx.rng
    payee = flow.case_type == CaseType.REPRESENTATIVE_PAYEE
    second = payee or flow.case_type == CaseType.POWER_OF_ATTORNEY  # a second person per case
    n_persons = count * 2 if second else count
    person_ids = writer.reserve_ids(person_t, n_persons)
    account_ids = writer.reserve_ids(ACCOUNT_TABLE, count) if payee else []
    case_ids = writer.reserve_ids(CASE_TABLE, count)
    process_ids = writer.reserve_ids(process_t, count)
    task_ids = writer.reserve_ids(task_t, count)
    persons, accounts, cases, details, processes, tasks, events = [], [], [], [], [], [], []
    by_state = {}
    states = rng.choices([s for s, _w in OTHER_MIX], [w for _s, w in OTHER_MIX], k=count)
    for n in range(count):
        branch = ctx.branches[rng.randrange(len(ctx.branches))]
        state = states[n]
        if state == "taken" and not ctx.operators.get(branch.pk):
            state = "submitted"
        t0 = ctx.now - dt.timedelta(seconds=rng.randint(3600, 90 * 86400))
        at = t0
        case_id, process_id, task_id = case_ids[n], process_ids[n], task_ids[n]
        persons.append(_person_row(ctx, person_ids[n], branch, None, t0))
        rep = None
        if second:
            rep_row = _person_row(ctx, person_ids[count + n], branch, None, t0)
            persons.append(rep_row)
            rep = (rep_row[0], account_ids[n] if payee else None)
        if payee:
            accounts.append(
                (
                    account_ids[n],
                    rep_row[0],
                    f"XX{rep_row[0]:020d}",
                    f"{rep_row[2]} {rep_row[3]}",
                    True,
                    timezone.localdate(t0),
                )
            )
        chain = _Chain(case_id, branch.pk, events)
        due = timezone.localdate(t0) + dt.timedelta(days=flow.sla_days)
        chain.add(f"{flow.case_type}.created", at, to_state="draft", payload={"channel": "portal"})
        chain.add(
            f"{flow.case_type}.submit", at, from_state="draft", to_state=flow.first_state, payload={"due_date": due}
        )
        task_payload = {"task": task_id, "node": flow.node}
        chain.add("task.created", at, payload={**task_payload, "queue": branch.code})
        current = flow.first_state
        status, owner, assigned, finished = "NEW", None, None, None
        process_status, process_finished = "NEW", None
        if state == "withdrawn":
            at = _later(rng, at, ctx.now, 72)
            chain.add(
                f"{flow.case_type}.withdraw", at, from_state=current, to_state="withdrawn", payload={"reason": ""}
            )
            current = "withdrawn"
            chain.add("task.cancelled", at, payload={**task_payload, "reason": "withdrawn"})
            status, finished = "CANCELED", at
            process_status, process_finished = "DONE", at
        elif state == "taken":
            operators = ctx.operators[branch.pk]
            operator = operators[rng.randrange(len(operators))]
            at = _later(rng, at, ctx.now, 96)
            chain.add("task.assigned", at, actor=operator, payload={**task_payload, "owner": operator.username})
            status, owner, assigned = "ASSIGNED", operator.pk, at
            if flow.take_starts:
                chain.add(
                    f"{flow.case_type}.{flow.take_starts}",
                    at,
                    actor=operator,
                    from_state=current,
                    to_state=flow.taken_state,
                )
                current = flow.taken_state
        cases.append(
            (
                case_id,
                synthetic_reference(case_id, t0.year, flow.prefix),
                flow.case_type,
                current,
                due,
                t0,
                at,
                chain.head.seq,
                chain.head.hash,
                None,
                branch.pk,
                person_ids[n],
                process_id,
                *_task_mirror(task_id, status, owner, flow.permission, branch.pk, t0),
            )
        )
        details.append(_other_detail(flow, case_id, person_ids[n], t0, rep))
        processes.append((process_id, flow.flow_ref, process_status, t0, process_finished, EMPTY_JSON))
        tasks.append(
            (
                task_id,
                process_id,
                flow.task_ref,
                "HUMAN",
                status,
                t0,
                assigned,
                finished,
                "start",
                owner,
                flow.permission,
                ctx.unit_ct,
                str(branch.pk),
                EMPTY_JSON,
            )
        )
        key = f"{flow.case_type}/{current}"
        by_state[key] = by_state.get(key, 0) + 1
    return {
        "tables": [
            (table, writer.encode(table, rows))
            for table, rows in (
                (person_t, persons),
                (ACCOUNT_TABLE, accounts),
                (process_t, processes),
                (CASE_TABLE, cases),
                (flow.table, details),
                (task_t, tasks),
                (event_t, events),
            )
            if rows
        ],
        "persons": len(persons),
        "cases": len(cases),
        "tasks": len(tasks),
        "open_tasks": sum(1 for t in tasks if t[4] in ("NEW", "ASSIGNED")),
        "assigned_tasks": sum(1 for t in tasks if t[4] == "ASSIGNED"),
        "events": len(events),
        "by_state": by_state,
    }


def split_cases(total, types):
    """How many cases of each type: benefit claims half (when chosen), the rest evenly."""
    types = [t for t in CASE_TYPES if t in types]
    if not types:
        return {}
    shares = {}
    others = [t for t in types if t != CaseType.BENEFIT_CLAIM]
    rest = total
    if CaseType.BENEFIT_CLAIM in types:
        shares[CaseType.BENEFIT_CLAIM] = total // 2 if others else total
        rest -= shares[CaseType.BENEFIT_CLAIM]
    for i, case_type in enumerate(others):
        shares[case_type] = rest // len(others) + (1 if i < rest % len(others) else 0)
    return shares
