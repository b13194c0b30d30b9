"""URLs of the supervisor pages of the staff workbench (included by backoffice/staff_urls.py)."""

from django.urls import path

from . import views_supervisor as views

urlpatterns = [
    path("", views.team_workload, name="team_workload"),
    path("units/<int:unit_id>/", views.team_workload, name="team_unit"),
    path("people/<int:user_id>/", views.team_person, name="team_person"),
    path("people/<int:user_id>/reassign/", views.team_reassign, name="team_reassign"),
    path("approvals/", views.team_approvals, name="team_approvals"),
    path("charts/", views.team_charts, name="team_charts"),
    path("units/<int:unit_id>/charts/", views.team_charts, name="team_unit_charts"),
]
