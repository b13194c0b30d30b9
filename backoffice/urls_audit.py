"""URLs of the audit pages of the staff workbench (included by backoffice/staff_urls.py)."""

from django.urls import path

from . import views_audit

urlpatterns = [
    path("", views_audit.audit_search, name="audit_search"),
    path("export.csv", views_audit.audit_export, name="audit_export"),
    path("chain/<slug:subject_type>/<str:subject_id>/", views_audit.audit_chain, name="audit_chain"),
    path("verifications/", views_audit.audit_verifications, name="audit_verifications"),
    path("verifications/start/", views_audit.audit_verification_start, name="audit_verification_start"),
    path("verifications/<int:run_id>/", views_audit.audit_verification, name="audit_verification"),
]
