"""The copy of each case's open human task on the case row (``Case.task_*``, written by
``workflows.routing``) checked against viewflow's task table.

``task_mirror_checked`` runs the check after every test of the areas that move tasks (it is
used by tests/conftest.py), so each scenario of their fixtures and tests is checked at its end.
"""

from pathlib import Path

import pytest
from viewflow.workflow.models import Task

from cases.models import Case
from workflows.routing import OPEN

CLOSED = ("", None, None, "", None, None)
# The test folders whose tests end with the check: every area that creates or moves tasks.
CHECKED = {
    "api",
    "backoffice",
    "cases",
    "deadlines",
    "flows",
    "grievances",
    "medical",
    "payees",
    "refunds",
    "seeding",
    "supervisor",
    "waivers",
}


def task_mirror_mismatches():
    """[(case id, what the task table says, what the case row says)] for every case whose copy of
    its open human task differs from the task (two queries)."""
    open_tasks = {}
    for task in (
        Task.objects.filter(status__in=OPEN, flow_task_type="HUMAN")
        .order_by("id")
        .values("id", "process_id", "status", "owner_id", "owner_permission", "owner_permission_obj_pk", "created")
    ):
        open_tasks[task["process_id"]] = task  # the newest open task, as routing.open_task reads it
    wrong = []
    for case in Case.objects.order_by("id").values(
        "id", "process_id", "task_status", "task_pk", "task_owner_id", "task_queue", "task_unit_id", "task_created"
    ):
        task = open_tasks.get(case["process_id"]) if case["process_id"] else None
        expected = (
            CLOSED
            if task is None
            else (
                task["status"],
                task["id"],
                task["owner_id"],
                task["owner_permission"],
                int(task["owner_permission_obj_pk"]),
                task["created"],
            )
        )
        actual = (
            case["task_status"],
            case["task_pk"],
            case["task_owner_id"],
            case["task_queue"],
            case["task_unit_id"],
            case["task_created"],
        )
        if expected != actual:
            wrong.append((case["id"], expected, actual))
    return wrong


def assert_task_mirror():
    wrong = task_mirror_mismatches()
    assert not wrong, f"{len(wrong)} case(s) whose copy of the open task is wrong, first: {wrong[:3]}"


@pytest.fixture(autouse=True)
def task_mirror_checked(request):
    """After a test of a ``CHECKED`` folder that used the database: every case's copy of its open
    task equals the task."""
    folder = Path(str(request.node.path)).parent.name
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames)
    if folder not in CHECKED or not uses_db:
        yield
        return
    # Set up the database first so that it is still there when this fixture ends.
    request.getfixturevalue("_django_db_helper")
    yield
    assert_task_mirror()
