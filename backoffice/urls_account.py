"""URLs of the account pages of the staff workbench (included by backoffice/staff_urls.py)."""

from django.urls import path

from . import views_account

urlpatterns = [
    path("verify/", views_account.verify, name="account_verify"),
    path("enrol/", views_account.enrol, name="account_enrol"),
]
