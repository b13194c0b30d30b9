from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views, views_account, views_counter, views_messages, views_reports

urlpatterns = [
    path("login/", views_account.password_login, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.inbox, name="inbox"),
    path("team/", include("backoffice.urls_supervisor")),
    path("audit/", include("backoffice.urls_audit")),
    path("administration/", include("backoffice.urls_admin")),
    path("flows/", include("backoffice.urls_flows")),
    path("account/", include("backoffice.urls_account")),
    path("language/", include("backoffice.urls_language")),
    path("queue/", views.queue, name="queue"),
    path("queue/take-next/", views.take_next, name="take_next"),
    path("counter/", views_counter.counter, name="counter"),
    path("counter/receipts/<str:code>/", views_counter.counter_receipt, name="counter_receipt"),
    path("counter/receipts/<str:code>/pdf/", views_counter.counter_receipt_pdf, name="counter_receipt_pdf"),
    path("counter/<str:ssn>/<str:case_type>/", views_counter.counter_file, name="counter_file"),
    path("overdue/", views_reports.overdue, name="overdue"),
    path("messages/", views_messages.message_list, name="staff_messages"),
    path("messages/<int:pk>/answer/", views_messages.message_answer_view, name="staff_message_answer"),
    path(
        "messages/<int:pk>/attachments/<int:attachment_id>/",
        views_messages.message_attachment,
        name="staff_message_attachment",
    ),
    path("report/", views_reports.report, name="case_report"),
    path("cases/<str:reference>/", views.case_detail, name="case_detail"),
    path("cases/<str:reference>/take/", views.case_take, name="case_take"),
    path("cases/<str:reference>/release/", views.case_release, name="case_release"),
    path("cases/<str:reference>/reassign/", views.case_reassign, name="case_reassign"),
    path("cases/<str:reference>/recommend/", views.case_recommend, name="case_recommend"),
    path("cases/<str:reference>/request-info/", views.case_request_info, name="case_request_info"),
    path("cases/<str:reference>/receive-info/", views.case_receive_info, name="case_receive_info"),
    path("cases/<str:reference>/decide/", views.case_decide, name="case_decide"),
    path("cases/<str:reference>/act/<slug:action>/", views.case_action, name="case_action"),
    path("cases/<str:reference>/priority/", views.case_priority, name="case_priority"),
    path("cases/<str:reference>/comments/", views.case_comment, name="case_comment"),
    path("cases/<str:reference>/documents/", views.case_document_upload, name="case_document_upload"),
    path(
        "cases/<str:reference>/documents/<int:document_id>/",
        views.case_document_download,
        name="case_document_download",
    ),
    path(
        "cases/<str:reference>/documents/<int:document_id>/preview/",
        views.case_document_preview,
        name="case_document_preview",
    ),
]
