"""Append-only, hash-chained history.

Every event belongs to one subject (a case, a user, an org unit...) and chains to the
previous event of that subject. Checkpoints chain the heads of every chain that changed
since the previous checkpoint, so that removing a whole chain is detected as well.
The database refuses UPDATE, DELETE and TRUNCATE on both tables (see the migrations).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(_("Audit records cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(_("Audit records cannot be deleted."))


class AuditEvent(AppendOnlyModel):
    occurred_at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(_("actor"), max_length=150)
    # Who acted, beyond the account (audit.actors); NULL on events written before actors had kinds.
    actor_kind = models.CharField(_("kind of actor"), max_length=20, null=True, blank=True)
    actor_identity = models.CharField(_("actor's identity"), max_length=80, null=True, blank=True)
    acting_for = models.CharField(_("acting for"), max_length=120, null=True, blank=True)
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    org_unit_id = models.BigIntegerField(_("org unit"), null=True, blank=True)
    subject_type = models.CharField(_("subject type"), max_length=40)
    subject_id = models.CharField(_("subject"), max_length=64)
    seq = models.PositiveIntegerField(_("sequence in the subject's chain"))
    action = models.CharField(_("action"), max_length=60)
    from_state = models.CharField(_("from state"), max_length=40, blank=True)
    to_state = models.CharField(_("to state"), max_length=40, blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "subject_id", "seq"], name="audit_event_chain_seq"),
        ]
        # The audit search filters by one of these and reads newest first (occurred_at, id DESC);
        # a subject's events are found through the chain constraint above.
        indexes = [
            models.Index(fields=["occurred_at", "id"], name="audit_event_at"),
            models.Index(fields=["actor", "occurred_at", "id"], name="audit_event_actor_at"),
            models.Index(fields=["on_behalf_of", "occurred_at", "id"], name="audit_event_behalf_at"),
            models.Index(fields=["action", "occurred_at", "id"], name="audit_event_action_at"),
        ]

    def __str__(self):
        return f"{self.subject_type}:{self.subject_id}#{self.seq} {self.action}"


class AuditCheckpoint(AppendOnlyModel):
    created_at = models.DateTimeField(_("when"))
    first_event_id = models.BigIntegerField()
    last_event_id = models.BigIntegerField()
    event_count = models.PositiveIntegerField()
    head_count = models.PositiveIntegerField()
    # sha256 over the sorted heads (AuditCheckpointHead rows) of every chain changed in range.
    heads_digest = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")

    def __str__(self):
        return f"checkpoint {self.pk} (events {self.first_event_id}..{self.last_event_id})"


class AuditCheckpointHead(AppendOnlyModel):
    """The head of one chain as a checkpoint saw it."""

    checkpoint = models.ForeignKey(AuditCheckpoint, on_delete=models.PROTECT, related_name="head_rows")
    subject_type = models.CharField(max_length=40)
    subject_id = models.CharField(max_length=64)
    seq = models.PositiveIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "subject_type", "subject_id"], name="audit_head_once"),
        ]
        # Verifying one subject reads the heads checkpoints recorded for it.
        indexes = [models.Index(fields=["subject_type", "subject_id", "seq"], name="audit_head_subject")]


class VerificationRun(models.Model):
    """One full verification of the trail (``audit.verify.verify_all``), asked for by an auditor.

    Not part of the trail: its start and its end are recorded there as events of the subject
    ("verification_run", id). At most one run is in progress at a time (``in_progress``).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        OK = "ok", _("no problem found")
        BROKEN = "broken", _("problem found")
        FAILED = "failed", _("could not finish")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    org_unit_id = models.BigIntegerField(_("org unit"), null=True, blank=True)
    requested_at = models.DateTimeField(_("asked at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    # True while queued or running, None after: the partial unique constraint allows one run at a time.
    in_progress = models.BooleanField(null=True, default=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    events_checked = models.BigIntegerField(default=0)
    chains_checked = models.BigIntegerField(default=0)
    checkpoints_checked = models.BigIntegerField(default=0)
    heads_checked = models.BigIntegerField(default=0)
    first_problem = models.TextField(_("first problem"), blank=True)

    class Meta:
        verbose_name = _("verification run")
        verbose_name_plural = _("verification runs")
        constraints = [
            models.UniqueConstraint(
                fields=["in_progress"], condition=models.Q(in_progress=True), name="audit_one_verification_at_a_time"
            ),
        ]

    def __str__(self):
        return f"verification {self.pk} ({self.status})"

    @property
    def done(self):
        return self.status in (self.Status.OK, self.Status.BROKEN, self.Status.FAILED)
