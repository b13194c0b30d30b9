"""The urlconf of the portal's own host name (``portal.hosts``): the portal at the root, the
language switch and the public check of a receipt; no staff page, no admin, no API."""

from django.urls import include, path

from . import views_public

urlpatterns = [
    path("receipts/verify/", views_public.verify, name="receipt_verify"),
    path("language/", include("backoffice.urls_language")),
    path("", include("portal.urls")),
]
