"""Building realistic audit trails through the case services, and tampering with them."""

import datetime as dt
from dataclasses import dataclass
from io import StringIO

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from audit.actors import Actor
from audit.models import AuditEvent
from audit.services import create_checkpoint
from cases import services
from cases.models import BenefitClaim, BenefitType, ClaimState
from tests.conftest import make_insured
from tests.support import audit_triggers_off, fresh_event_day

MARRIAGE_DATE = dt.date(2024, 12, 1)
NO_SETTLE = dt.timedelta(0)


def file_claim(branch):
    person = make_insured(branch)
    return services.claim_file(
        actor=Actor.person(person),
        person=person,
        benefit_type=BenefitType.MARRIAGE,
        event_date=fresh_event_day(person, BenefitType.MARRIAGE, MARRIAGE_DATE),
    )


def in_payment_claim(branch, operator, supervisor):
    claim = file_claim(branch)
    services.task_take(case_id=claim.pk, actor=operator)
    services.claim_recommend(case_id=claim.pk, actor=operator, approve=True)
    services.claim_decide(case_id=claim.pk, actor=supervisor, approve=True)
    claim = BenefitClaim.objects.get(pk=claim.pk)
    assert claim.state == ClaimState.IN_PAYMENT
    return claim


@dataclass
class Trail:
    paid: BenefitClaim  # filed, taken, recommended, approved: in payment
    reviewing: BenefitClaim  # filed and taken: in review
    filed: BenefitClaim  # filed: in the review queue
    checkpoint: object


def build_trail(org, operator, supervisor):
    """Three claims at different stages, the org and staff chains, and a checkpoint over all."""
    paid = in_payment_claim(org.north_a, operator, supervisor)
    reviewing = file_claim(org.north_a)
    services.task_take(case_id=reviewing.pk, actor=operator)
    filed = file_claim(org.north_a)
    checkpoint = create_checkpoint(settle=NO_SETTLE)
    assert checkpoint is not None
    return Trail(
        paid=BenefitClaim.objects.get(pk=paid.pk),
        reviewing=BenefitClaim.objects.get(pk=reviewing.pk),
        filed=BenefitClaim.objects.get(pk=filed.pk),
        checkpoint=checkpoint,
    )


def chain(subject_type, subject_id):
    return list(AuditEvent.objects.filter(subject_type=subject_type, subject_id=str(subject_id)).order_by("seq"))


def case_chain(claim):
    return chain("case", claim.pk)


def tamper(sql, params=()):
    """Run SQL as someone able to switch the append-only triggers off; returns the row count."""
    with audit_triggers_off(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def raw_payload(event_id):
    cast = "::text" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT payload{cast} FROM audit_auditevent WHERE id = %s", [event_id])
        return cursor.fetchone()[0]


def replace_in_payload(event_id, old, new):
    if connection.vendor == "postgresql":
        sql = "UPDATE audit_auditevent SET payload = replace(payload::text, %s, %s)::jsonb WHERE id = %s"
    else:
        sql = "UPDATE audit_auditevent SET payload = replace(payload, %s, %s) WHERE id = %s"
    return tamper(sql, [old, new, event_id])


def delete_events(ids):
    ids = list(ids)
    marks = ", ".join(["%s"] * len(ids))
    return tamper(f"DELETE FROM audit_auditevent WHERE id IN ({marks})", ids)


def swap_seq(first, second):
    """Swap the sequence numbers of two events of one chain (through a free number)."""
    free = 10**9
    with audit_triggers_off(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET seq = %s WHERE id = %s", [free, first.pk])
        cursor.execute("UPDATE audit_auditevent SET seq = %s WHERE id = %s", [first.seq, second.pk])
        cursor.execute("UPDATE audit_auditevent SET seq = %s WHERE id = %s", [second.seq, first.pk])


def delete_checkpoint(checkpoint_id):
    with audit_triggers_off(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditcheckpointhead WHERE checkpoint_id = %s", [checkpoint_id])
        cursor.execute("DELETE FROM audit_auditcheckpoint WHERE id = %s", [checkpoint_id])


@dataclass
class Run:
    failed: bool
    out: str
    err: str
    error: str = ""


def run_verify(*args):
    """audit_verify through call_command: whether it failed, and what it wrote."""
    out, err = StringIO(), StringIO()
    try:
        call_command("audit_verify", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return Run(True, out.getvalue(), err.getvalue(), str(exc))
    return Run(False, out.getvalue(), err.getvalue())
