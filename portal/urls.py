"""URLs of the e-services portal (namespace ``portal``), under its own prefix."""

from django.urls import path

from . import views, views_account, views_acting, views_case, views_messages, views_oidc, views_register, views_reset
from . import views_second_factor as second_factor

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views_account.login, name="login"),
    path("login/code/", second_factor.verify, name="verify"),
    path("login/enrol/", second_factor.enrol, name="enrol"),
    path("login/enrol/app/", second_factor.enrol_app, name="enrol_app"),
    path("login/enrol/code/", second_factor.enrol_code, name="enrol_code"),
    path("login/provider/", views_oidc.start, name="oidc_start"),
    path("login/provider/callback/", views_oidc.callback, name="oidc_callback"),
    path("password/reset/", views_reset.reset, name="reset"),
    path("password/reset/code/", views_reset.reset_code, name="reset_code"),
    path("logout/", views_account.logout, name="logout"),
    path("register/", views_register.register, name="register"),
    path("register/code/", views_register.register_code, name="register_code"),
    path("cases/<str:reference>/", views.case_detail, name="case"),
    path("cases/<str:reference>/answer/", views_case.case_answer, name="case_answer"),
    path("cases/<str:reference>/documents/", views_case.case_document, name="case_document"),
    path("cases/<str:reference>/appeal/", views_case.case_appeal, name="case_appeal"),
    path("cases/<str:reference>/reopen/", views_case.case_reopen, name="case_reopen"),
    path("cases/<str:reference>/withdraw/", views.case_withdraw, name="case_withdraw"),
    path("receipts/<str:code>/", views.receipt, name="receipt"),
    path("receipts/<str:code>/pdf/", views.receipt_pdf, name="receipt_pdf"),
    path("file/", views.file_index, name="file_index"),
    path("file/<str:case_type>/", views.file, name="file"),
    path("messages/", views_messages.message_list, name="messages"),
    path("messages/new/", views_messages.message_write, name="message_write"),
    path("messages/<int:pk>/", views_messages.message_detail, name="message"),
    path(
        "messages/<int:pk>/attachments/<int:attachment_id>/",
        views_messages.message_attachment,
        name="message_attachment",
    ),
    path("cases/<str:reference>/messages/new/", views_messages.case_message_write, name="case_message_write"),
    path("notifications/", views_messages.notification_list, name="notifications"),
    path("notifications/<int:pk>/", views_messages.notification_detail, name="notification"),
    path("acting/", views_acting.acting, name="acting"),
    path("cases/<str:reference>/revoke/", views_acting.case_revoke, name="case_revoke"),
]
