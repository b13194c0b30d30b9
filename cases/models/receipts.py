from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models import Person

from .base import Case


class Receipt(models.Model):
    """The official receipt of a submission (a request filed, an answer, a withdrawal, a message): what was
    submitted, when, by whom and for whom, with the SHA-256 digest of the submission and a code
    anyone may check on the public verification page. Written once, never changed."""

    class Kind(models.TextChoices):
        FILED = "filed", _("Request filed")
        ANSWERED = "answered", _("Answer sent")
        WITHDRAWN = "withdrawn", _("Request withdrawn")
        MESSAGE = "message", _("Message sent")
        REVOKED = "revoked", _("Power of attorney revoked")
        DOCUMENT = "document", _("Document sent")
        APPEALED = "appealed", _("Appeal filed")
        REOPENED = "reopened", _("Reopening asked")
        DELIVERED = "delivered", _("Delivered to you")

    code = models.CharField(_("verification code"), max_length=20, unique=True)
    # None: a message to the office about no case in particular.
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="receipts")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="receipts")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    submitted = models.JSONField(_("what was submitted"))
    digest = models.CharField(_("SHA-256 digest"), max_length=64)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    actor_kind = models.CharField(_("kind of actor"), max_length=20)
    issued_at = models.DateTimeField(_("issued"))
    # What a delivery receipt is about: the case's audit event that made the decision or the
    # request delivered ("event:<seq>"); unique per case, so each is delivered once.
    concerns = models.CharField(_("concerns"), max_length=40, blank=True, default="")

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        indexes = [models.Index(fields=["case", "issued_at"], name="receipt_case")]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "concerns"], condition=~models.Q(concerns=""), name="receipt_delivered_once"
            )
        ]


class ReceiptLookup(models.Model):
    """One look-up on the public verification page, by address: what its rate limit counts."""

    address = models.CharField(max_length=45)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["address", "at"], name="receipt_lookup_address")]
