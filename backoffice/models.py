"""Records of the staff login pages: failed attempts, counted for lockout and kept for review."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginStage(models.TextChoices):
    PASSWORD = "password", _("password")
    CODE = "code", _("second-factor code")


class LoginFailure(models.Model):
    """One failed or refused login attempt.

    ``refused``: the attempt came while the user name or the address was locked out and its
    credentials were not checked (recorded, not counted). ``locked_out``: this failure reached a
    limit and started a lockout. ``cleared``: a later successful login of the same user name
    cleared it from the user name's count (the address count still includes it).
    """

    at = models.DateTimeField(_("at"), db_index=False)
    username = models.CharField(_("user name"), max_length=150)
    address = models.CharField(_("client address"), max_length=45)
    stage = models.CharField(_("stage"), max_length=10, choices=LoginStage.choices)
    refused = models.BooleanField(_("refused while locked out"), default=False)
    locked_out = models.BooleanField(_("started a lockout"), default=False)
    cleared = models.BooleanField(_("cleared by a successful login"), default=False)

    class Meta:
        verbose_name = _("login failure")
        verbose_name_plural = _("login failures")
        indexes = [
            models.Index(
                fields=["username", "at"],
                name="loginfailure_username",
                condition=models.Q(refused=False, cleared=False),
            ),
            models.Index(fields=["address", "at"], name="loginfailure_address", condition=models.Q(refused=False)),
            models.Index(fields=["at"], name="loginfailure_at"),
        ]

    def __str__(self):
        return f"{self.username} from {self.address} at {self.at:%Y-%m-%d %H:%M:%S} ({self.stage})"
