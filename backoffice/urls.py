from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("portal/", include("portal.urls")),
    path("", include("backoffice.staff_urls")),
]
