"""What auditors do, recorded in the trail they read: full verifications and exports.

A verification run is asked for by an auditor (``verification_start``) and carried out by a
Celery task (``audit.tasks.run_verification``, eager when no broker is configured), which calls
``verification_execute``: idempotent, a redelivered task finds the run finished and does
nothing. At most one run is in progress at a time: the database refuses a second one.
"""

import datetime as dt
import logging
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import VerificationRun
from .services import record_event
from .verify import verify_all

logger = logging.getLogger(__name__)

RUN_SUBJECT = "verification_run"
EXPORT_SUBJECT = "audit_export"
# A run still in progress after this long lost its worker (longer than the broker's visibility
# timeout, after which a lost task is delivered again): the next request marks it failed.
STALE_AFTER = dt.timedelta(hours=7)
_PROBLEM_MAX = 2000


class VerificationInProgress(Exception):
    """A verification is queued or running: a second one is refused."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _abandon_stale(now):
    stale = VerificationRun.objects.filter(in_progress=True, requested_at__lt=now - STALE_AFTER)
    for run in stale.select_for_update():
        _finish(run, VerificationRun.Status.FAILED, problem=_("The verification did not finish in time."), now=now)


def verification_start(*, actor, org_unit_id=None, on_behalf_of_id=None, now=None):
    """Queue a full verification of the trail for ``actor``; VerificationInProgress if one is
    queued or running. The request is recorded as an event of the run."""
    now = now or timezone.now()
    refused = _("A verification is already in progress; its result will show here when it ends.")
    with transaction.atomic():
        _abandon_stale(now)
        if VerificationRun.objects.filter(in_progress=True).exists():
            raise VerificationInProgress(refused)
        try:
            with transaction.atomic():
                run = VerificationRun.objects.create(requested_by=actor, org_unit_id=org_unit_id, requested_at=now)
        except IntegrityError:  # another request got in first
            raise VerificationInProgress(refused) from None
        record_event(
            subject_type=RUN_SUBJECT,
            subject_id=run.pk,
            action="audit.verification_requested",
            actor=actor,
            on_behalf_of_id=on_behalf_of_id,
            org_unit_id=org_unit_id,
            occurred_at=now,
        )
        from .tasks import run_verification

        transaction.on_commit(lambda: run_verification.delay(run.pk))
    return run


def _finish(run, status, *, result=None, problem="", now=None):
    """Close ``run`` (locked by the caller) and record its end in the run's chain."""
    run.status = status
    run.finished_at = now or timezone.now()
    run.in_progress = None
    if result is not None:
        run.events_checked = result.events_checked
        run.chains_checked = result.chains_checked
        run.checkpoints_checked = result.checkpoints_checked
        run.heads_checked = result.heads_checked
    run.first_problem = problem[:_PROBLEM_MAX]
    run.save()
    record_event(
        subject_type=RUN_SUBJECT,
        subject_id=run.pk,
        action="audit.verification_finished",
        org_unit_id=run.org_unit_id,
        to_state=status,
        payload={
            "events_checked": run.events_checked,
            "chains_checked": run.chains_checked,
            "checkpoints_checked": run.checkpoints_checked,
            "heads_checked": run.heads_checked,
            "first_problem": run.first_problem,
        },
        occurred_at=run.finished_at,
    )


def verification_execute(run_id):
    """Carry out the run ``run_id``: verify the whole trail and store its outcome.

    Idempotent: a finished (or unknown) run is left as it is. The verification itself runs
    outside any transaction of ours, in its own read-only snapshot.
    """
    with transaction.atomic():
        run = VerificationRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.done:
            return run
        run.status = VerificationRun.Status.RUNNING
        run.started_at = timezone.now()
        run.attempts += 1
        run.save(update_fields=["status", "started_at", "attempts"])
    try:
        result = verify_all(stop_at_first=True)
    except Exception as exc:  # recorded on the run; the worker goes on
        logger.exception("verification run %s failed", run_id)
        outcome, problem = VerificationRun.Status.FAILED, f"{type(exc).__name__}: {exc}"
        result = None
    else:
        outcome = VerificationRun.Status.OK if result.ok else VerificationRun.Status.BROKEN
        problem = result.problems[0] if result.problems else ""
    with transaction.atomic():
        run = VerificationRun.objects.select_for_update().get(pk=run_id)
        if run.done:  # a second delivery of the task finished first
            return run
        _finish(run, outcome, result=result, problem=problem)
    return run


def export_recorded(*, actor, filters, org_unit_id=None, on_behalf_of_id=None):
    """Record that ``actor`` exported the events matching ``filters`` (a dict of what they asked)."""
    return record_event(
        subject_type=EXPORT_SUBJECT,
        subject_id=uuid.uuid4().hex,
        action="audit.exported",
        actor=actor,
        on_behalf_of_id=on_behalf_of_id,
        org_unit_id=org_unit_id,
        payload={"filters": {key: value for key, value in filters.items() if value not in (None, "")}},
    )
