"""URLs of the admin pages of the staff workbench (included by backoffice/staff_urls.py)."""

urlpatterns = []
