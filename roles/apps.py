from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RolesConfig(AppConfig):
    name = "roles"
    verbose_name = _("Organisation and roles")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .preferences import on_user_logged_in

        user_logged_in.connect(on_user_logged_in, dispatch_uid="roles.staff_language")
