from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import include, path, reverse
from django.views.decorators.http import require_http_methods

from portal import views_public


@require_http_methods(["GET", "POST", "HEAD"])
def admin_login(request):
    """The administration site has no login of its own: it sends to the staff login, with its
    lockout, failure log and second factor (a password posted here is never checked)."""
    wanted = request.GET.get("next") or reverse("admin:index")
    return redirect_to_login(wanted, reverse("login"))


urlpatterns = [
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("portal/", include("portal.urls")),
    path("receipts/verify/", views_public.verify, name="receipt_verify"),
    path("", include("backoffice.staff_urls")),
]
