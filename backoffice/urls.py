from django.contrib import admin
from django.urls import include, path

from portal import views_public

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("portal/", include("portal.urls")),
    path("receipts/verify/", views_public.verify, name="receipt_verify"),
    path("", include("backoffice.staff_urls")),
]
