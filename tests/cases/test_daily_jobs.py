"""The daily beat jobs run and report what they did."""

import pytest
from django.conf import settings

from backoffice.celery import app
from cases import tasks


def test_every_daily_job_is_scheduled_and_registered():
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "cases.tasks.activate_due_payees_task",
        "cases.tasks.finalise_medical_decisions_task",
        "cases.tasks.mark_overdue_task",
        "cases.tasks.pay_due_claims_task",
    } <= names
    app.loader.import_default_modules()
    assert names <= set(app.tasks)


@pytest.mark.django_db
def test_daily_jobs_with_nothing_due_do_nothing(org):
    assert tasks.activate_due_payees_task() == {"activated": 0, "refused": 0}
    assert tasks.finalise_medical_decisions_task() == {"finalised": 0, "refused": 0}
