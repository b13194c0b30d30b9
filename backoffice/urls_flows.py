"""URLs of the flows pages of the staff workbench (included by backoffice/staff_urls.py)."""

from django.urls import path

from . import views_flows

urlpatterns = [
    path("", views_flows.flow_index, name="flow_index"),
    path("<slug:case_type>/", views_flows.flow_detail, name="flow_detail"),
]
