"""Celery is configured so that no task is lost or run early by the broker.

A worker killed mid-task must give the message back (late acknowledgement, rejected on
worker loss), one worker process holds one message at a time, and Redis must not
re-deliver a message whose countdown has not yet expired (visibility timeout longer than
any countdown or retry delay).
"""

from backoffice.celery import app as celery_app

HOUR = 3600


def project_tasks():
    celery_app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    return {name: task for name, task in celery_app.tasks.items() if not name.startswith("celery.")}


def test_acknowledgement_and_prefetch_are_safe():
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == "json"
    assert list(conf.accept_content) == ["json"]


def test_visibility_timeout_outlasts_every_countdown():
    visibility_timeout = celery_app.conf.broker_transport_options["visibility_timeout"]
    assert visibility_timeout >= HOUR
    tasks = project_tasks()
    assert "cases.tasks.send_notification" in tasks
    for name, task in tasks.items():
        # Exponential back-off (an autoretry option) waits at most retry_backoff_max (600 s by default).
        backoff = getattr(task, "retry_backoff_max", 600) if getattr(task, "retry_backoff", False) else 0
        longest_delay = max(task.default_retry_delay or 0, backoff)
        assert longest_delay < visibility_timeout, name


def test_no_task_acknowledges_early():
    tasks = project_tasks()
    assert {"cases.tasks.send_notification", "audit.tasks.audit_checkpoint"} <= tasks.keys()
    for name, task in tasks.items():
        assert task.acks_late is True, name
        assert task.reject_on_worker_lost is True, name


def test_beat_schedule_names_registered_tasks():
    tasks = project_tasks()
    for entry, schedule in celery_app.conf.beat_schedule.items():
        assert schedule["task"] in tasks, entry
