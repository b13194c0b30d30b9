from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = _("Back office")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .security import on_user_logged_in

        user_logged_in.connect(on_user_logged_in, dispatch_uid="backoffice.session_marks")
