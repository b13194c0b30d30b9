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
