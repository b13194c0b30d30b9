from django.db import models
from django.utils.translation import gettext_lazy as _


class Parameter(models.Model):
    """A value of the law or of policy, in force from ``valid_from`` until the next one."""

    key = models.CharField(_("key"), max_length=80)
    valid_from = models.DateField(_("valid from"))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=6)
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("parameter")
        verbose_name_plural = _("parameters")
        constraints = [models.UniqueConstraint(fields=["key", "valid_from"], name="parameter_once_per_date")]
        indexes = [models.Index(fields=["key", "-valid_from"], name="parameter_lookup")]

    def __str__(self):
        return f"{self.key} = {self.value} from {self.valid_from}"
