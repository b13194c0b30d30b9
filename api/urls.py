from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from . import views

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("claims/<str:reference>/", views.ClaimDetail.as_view(), name="api-claim"),
    path("claims/<str:reference>/take/", views.ClaimTake.as_view(), name="api-claim-take"),
    path("claims/<str:reference>/release/", views.ClaimRelease.as_view(), name="api-claim-release"),
    path("claims/<str:reference>/request-info/", views.ClaimRequestInfo.as_view(), name="api-claim-request-info"),
    path("claims/<str:reference>/recommend/", views.ClaimRecommend.as_view(), name="api-claim-recommend"),
    path("claims/<str:reference>/decide/", views.ClaimDecide.as_view(), name="api-claim-decide"),
    path("claims/<str:reference>/reassign/", views.ClaimReassign.as_view(), name="api-claim-reassign"),
]
