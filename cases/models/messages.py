"""Messages between a person and the office: the person writes about one of their cases or in
general (no case), with attachments; the office answers. Written through ``cases.messages``."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models import Person
from roles.models import OrgUnit

from .base import Case


class CaseMessage(models.Model):
    """One message of a conversation. ``direction`` says who wrote it: the person (``in``, to the
    office) or the office (``out``, an answer, pointing at the message it answers). A person's
    message awaits an answer until ``answered_at`` is set. ``unit`` is where it is answered: the
    case's owning unit, or the person's home branch for a general message."""

    class Direction(models.TextChoices):
        IN = "in", _("from the person")
        OUT = "out", _("from the office")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="case_messages")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="messages")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    in_reply_to = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="answers", verbose_name=_("answers")
    )
    subject = models.CharField(_("subject"), max_length=200)
    text = models.TextField(_("message"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    author_kind = models.CharField(_("kind of author"), max_length=20)
    sent_at = models.DateTimeField(_("sent"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    receipt = models.OneToOneField(
        "cases.Receipt", on_delete=models.PROTECT, null=True, blank=True, related_name="message"
    )

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["person", "-sent_at", "-id"], name="message_person"),
            models.Index(fields=["case", "sent_at", "id"], name="message_case"),
            models.Index(
                fields=["unit", "sent_at", "id"],
                name="message_awaiting",
                condition=models.Q(direction="in", answered_at__isnull=True),
            ),
            models.Index(
                fields=["unit", "sent_at", "id"], name="message_general", condition=models.Q(case__isnull=True)
            ),
        ]

    def __str__(self):
        return self.subject

    @property
    def awaiting(self):
        return self.direction == self.Direction.IN and self.answered_at is None


def attachment_path(instance, filename):
    return f"messages/{instance.message_id}/{filename}"


class MessageAttachment(models.Model):
    """A file sent with a message: a PDF, JPEG or PNG, its type read from its bytes."""

    message = models.ForeignKey(CaseMessage, on_delete=models.PROTECT, related_name="attachments")
    name = models.CharField(_("name"), max_length=200)
    file = models.FileField(_("file"), upload_to=attachment_path)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    @staticmethod
    def digest(content):
        return hashlib.sha256(content).hexdigest()
