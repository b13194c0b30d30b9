"""URLs of the admin pages of the staff workbench (included by backoffice/staff_urls.py)."""

from django.urls import path

from . import views_admin, views_parameters

urlpatterns = [
    path("", views_admin.units, name="admin_units"),
    path("units/new/", views_admin.unit_create, name="admin_unit_create"),
    path("staff/", views_admin.staff_list, name="admin_staff"),
    path("staff/new/", views_admin.staff_create, name="admin_staff_create"),
    path("staff/<int:user_id>/", views_admin.staff_detail, name="admin_staff_detail"),
    path("staff/<int:user_id>/grant/", views_admin.staff_grant, name="admin_staff_grant"),
    path("staff/<int:user_id>/active/", views_admin.staff_active, name="admin_staff_active"),
    path("roles/<int:assignment_id>/revoke/", views_admin.assignment_revoke, name="admin_role_revoke"),
    path("roles/<int:assignment_id>/delegate/", views_admin.assignment_delegate, name="admin_role_delegate"),
    path("delegations/", views_admin.delegations, name="admin_delegations"),
    path("delegations/<int:delegation_id>/revoke/", views_admin.delegation_revoke, name="admin_delegation_revoke"),
    path("limits/", views_admin.limits, name="admin_limits"),
    path("limits/set/", views_admin.limit_set, name="admin_limit_set"),
    path("parameters/", views_parameters.parameters, name="admin_parameters"),
    path("parameters/set/", views_parameters.parameter_set, name="admin_parameter_set"),
]
