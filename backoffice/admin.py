from django.contrib import admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import LoginFailure


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """Failed and refused logins, for review (read-only: the records are evidence)."""

    list_display = ("at", "username", "address", "stage", "locked_out", "refused", "cleared")
    list_filter = ("stage", "locked_out", "refused", "cleared")
    search_fields = ("=username", "=address")
    show_full_result_count = False  # no count of the whole table per page

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# Authenticators are enrolled by their holders and reset through the staff administration
# (roles.two_factor); django-otp's own admin would show or accept secrets in clear, which are
# kept encrypted (roles.devices).
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
