from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.utils.translation import gettext_lazy as _


@checks.register(checks.Tags.security, deploy=True)
def anchors_configured(app_configs, **kwargs):
    """Without a sink, checkpoints live only in the database they are meant to check."""
    if getattr(settings, "AUDIT_ANCHOR_SINK", ""):
        return []
    return [
        checks.Warning(
            "Audit checkpoints are not published outside the database.",
            hint="Set SOCIUS_AUDIT_ANCHORS to a file on append-only storage or to syslog:ADDRESS.",
            id="audit.W001",
        )
    ]


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")
