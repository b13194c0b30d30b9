"""Session limits and the second factor, for every page and the session-authenticated API.

- A signed-in session ends after ``SOCIUS_SESSION_IDLE_MINUTES`` without a request or
  ``SOCIUS_SESSION_MAX_HOURS`` after its login, whichever comes first: the user is signed out
  and sent to the login page with a message. The last-seen time is written at most once a minute.
- A signed-in user who has not passed the second factor reaches only the login, logout and
  second-factor pages: any other page redirects to the code step, the API answers 403.
- Once a minute (when the last-seen time is written) it checks that the device the session was
  verified with still stands: a device reset by an administrator ends the sessions it verified.

- A session belongs to the side it signed in to (``security.side_of``): a person's session (the
  e-services portal, URL namespace ``portal``) never reaches a staff page or the API, and a staff
  session never the portal's pages: both answer 404.

Reads the session only, save that query once a minute.
"""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, JsonResponse
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _

from . import security

# URL names an unverified session may reach (the steps of the login itself).
OPEN_BEFORE_SECOND_FACTOR = frozenset({"login", "logout", "account_verify", "account_enrol", "set_language"})
# The portal's pages are in this URL namespace; the steps of its login, before the second factor.
PORTAL_NAMESPACE = "portal"
PORTAL_OPEN_BEFORE_SECOND_FACTOR = frozenset(
    {"login", "logout", "verify", "enrol", "enrol_app", "enrol_code", "register", "register_code"}
    | {"reset", "reset_code", "oidc_start", "oidc_callback"}
)
# Pages of either side (the language switch, the public check of a receipt).
BOTH_SIDES = frozenset({"set_language", "receipt_verify"})


def _is_api(request):
    return request.path_info.startswith("/api/")


class StaffSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            login_url = "portal:login" if security.side_of(request.session) == security.PORTAL_SIDE else "login"
            expired = security.session_expiry(request.session)
            if expired:
                logout(request)
                if not _is_api(request):
                    messages.info(request, _("Your session has expired. Please log in again."))
                    return redirect_to_login(request.get_full_path(), resolve_url(login_url))
            elif security.touch(request.session) and security.verified_device_gone(request):
                logout(request)
                if not _is_api(request):
                    messages.info(request, _("Your second factor was reset. Please log in again."))
                    return redirect_to_login(request.get_full_path(), resolve_url(login_url))
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        match = request.resolver_match
        name = match.url_name if match is not None else None
        in_portal = match is not None and match.namespace == PORTAL_NAMESPACE
        if (security.side_of(request.session) == security.PORTAL_SIDE) != in_portal:
            # A person's session never reaches a staff page or the API; a staff session reaches
            # only the portal's login (where its account is refused), never its pages.
            if name in BOTH_SIDES and not match.namespace:
                return None
            if in_portal and name in PORTAL_OPEN_BEFORE_SECOND_FACTOR:
                return None
            raise Http404
        if security.is_verified(request.session):
            return None
        if in_portal:
            if name in PORTAL_OPEN_BEFORE_SECOND_FACTOR:
                return None
            return redirect_to_login(request.get_full_path(), resolve_url(f"{PORTAL_NAMESPACE}:verify"))
        if match is not None and name in OPEN_BEFORE_SECOND_FACTOR and not match.namespace:
            return None
        if _is_api(request):
            return JsonResponse(
                {"code": "second_factor_required", "message": _("Complete the second step of the login first.")},
                status=403,
            )
        return redirect_to_login(request.get_full_path(), resolve_url("account_verify"))
