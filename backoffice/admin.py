from django.contrib import admin

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
