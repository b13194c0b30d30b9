"""Figures kept about the work queues over time (the queues themselves are viewflow's tasks)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from roles.models import OrgUnit


class QueueSnapshot(models.Model):
    """How many tasks were open in the queues of one unit, for one case type, on one day.

    Written once a day by ``cases.snapshots.queue_snapshot_take`` (Celery beat); the supervisors'
    charts read past days from here instead of counting the task table."""

    day = models.DateField(_("day"))
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    case_type = models.CharField(_("type"), max_length=30)
    open_tasks = models.PositiveIntegerField(_("open tasks"))
    unassigned = models.PositiveIntegerField(_("unassigned tasks"))
    taken_at = models.DateTimeField(_("taken"))

    class Meta:
        verbose_name = _("queue snapshot")
        verbose_name_plural = _("queue snapshots")
        constraints = [
            models.UniqueConstraint(fields=["day", "unit", "case_type"], name="queue_snapshot_once_a_day"),
        ]
        indexes = [models.Index(fields=["unit", "day"], name="queue_snapshot_unit_day")]

    def __str__(self):
        return f"{self.day} {self.unit_id} {self.case_type}: {self.open_tasks}"
