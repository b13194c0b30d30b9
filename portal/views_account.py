"""The portal's login: the same two steps as the staff's (``backoffice.views_account``), with
the same lockout and second factor, admitting only people's accounts."""

from django.contrib.auth import views as auth_views
from django.utils.translation import gettext_lazy

from backoffice import security
from backoffice.views_account import Side, side_views

PORTAL = Side(
    name=security.PORTAL_SIDE,
    login="portal:login",
    verify="portal:verify",
    enrol="portal:enrol",
    logout="portal:logout",
    home="portal:home",
    base="portal/base.html",
    login_title=gettext_lazy("Sign in to your e-services"),
    username_label=gettext_lazy("Social security number"),
    register="portal:register",
    login_extra="portal/_login_extra.html",
)

login, verify, enrol = side_views(PORTAL)  # verify and enrol: see portal.views_second_factor
logout = auth_views.LogoutView.as_view(next_page="portal:login")
