"""Who the portal is serving: the signed-in person's own record, or the record of the person they
act for under a mandate (``portal.mandates``), never anyone else's.

Every portal view starts from ``person_of(request)``: a page of another person's case answers
404 (``own_case``), as if it did not exist; so does a case of a kind outside the mandate's scope
while acting for someone.

Acting for someone: the session holds the mandate chosen on the acting page (``ACTING``). On every
request ``person_required`` checks it again for the day: a mandate revoked or ended since sends
the account back to the acting page (as themselves). An account that may act for someone and has
not chosen yet is asked first."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from backoffice import security
from cases.models import CASE_MODELS, Case

# Session: whom the account acts for: the chosen mandate's key, or SELF after choosing themselves;
# ASK when it signed in with someone to act for and has not chosen yet, NOBODY when it signed in
# with nobody to act for.
ACTING = "portal_acting"
SELF = "self"
ASK = "ask"
NOBODY = "nobody"
NOT_A_MANDATE = (None, SELF, ASK, NOBODY)


def on_login(sender, request, user, **kwargs):
    """At every sign-in (``user_logged_in``), forget whom the account acted for and note whether
    it may act for someone today, so that its first page asks (three queries at sign-in, none
    on the pages after)."""
    session = getattr(request, "session", None)
    if session is None:
        return
    session.pop(ACTING, None)
    from .mandates import mandates_of
    from .models import PortalAccount

    account = PortalAccount.objects.filter(user=user).select_related("person").first()
    if account is not None:
        session[ACTING] = ASK if mandates_of(account.person, timezone.localdate()) else NOBODY


def person_required(view=None, *, choosing=False):
    """The view serves a person signed in to the portal (second factor passed); anyone else goes
    to the portal's login. ``choosing``: the page that chooses whom to act for (not sent to
    itself)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated or security.side_of(request.session) != security.PORTAL_SIDE:
                return redirect_to_login(request.get_full_path(), resolve_url("portal:login"))
            if not choosing:
                asked = _ask_whom(request)
                if asked is not None:
                    return asked
            return view(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def _ask_whom(request):
    """A redirect to the acting page when the chosen mandate has lapsed, or when the account may
    act for someone and has not chosen yet; None otherwise."""
    _serve(request)
    if request._portal_lapsed:
        messages.warning(request, _("You can no longer act for this person: the mandate has ended or was revoked."))
        return redirect("portal:acting")
    if request.session.get(ACTING) == ASK:
        return redirect(f"{resolve_url('portal:acting')}?{urlencode({'next': request.get_full_path()})}")
    return None


def safe_next(request, value):
    if value and url_has_allowed_host_and_scheme(value, {request.get_host()}, request.is_secure()):
        return value
    return None


def _serve(request):
    """Read once per request: the account's own person, the mandate it acts under (checked for
    today), and the person served."""
    if hasattr(request, "_portal_person"):
        return
    from .mandates import mandate_by_key
    from .models import PortalAccount

    agent = PortalAccount.objects.select_related("person").get(user=request.user).person
    key = request.session.get(ACTING)
    mandate, lapsed = None, False
    if key not in NOT_A_MANDATE:
        mandate = mandate_by_key(agent, key, timezone.localdate())
        if mandate is None:
            lapsed = True
            request.session[ACTING] = SELF
    request._portal_agent = agent
    request._portal_mandate = mandate
    request._portal_lapsed = lapsed
    request._portal_person = mandate.person if mandate else agent


def person_of(request):
    """The registry person the portal serves: the person the account acts for, or the account's
    own person (cached on the request)."""
    _serve(request)
    return request._portal_person


def agent_of(request):
    """The account's own registry person, whoever it acts for."""
    _serve(request)
    return request._portal_agent


def mandate_of(request):
    """The mandate (``portal.mandates.Mandate``) the account acts under, or None for themselves."""
    _serve(request)
    return request._portal_mandate


def in_scope(request, case_type):
    """The account may see and file cases of ``case_type`` for the person it serves: all of them
    for themselves, the mandate's scope for someone else."""
    mandate = mandate_of(request)
    return mandate is None or case_type in mandate.scope


def scoped(request, queryset, field="case_type", *, general=False):
    """``queryset`` limited to the mandate's scope (unchanged for oneself); ``general``: rows
    about no case (``field`` empty, such as a general message's receipt) stay in it."""
    mandate = mandate_of(request)
    if mandate is None:
        return queryset
    in_scope = Q(**{f"{field}__in": mandate.scope})
    if general:
        in_scope |= Q(**{f"{field}__isnull": True})
    return queryset.filter(in_scope)


def actor_of(request):
    """Who acts in the audit trail when the signed-in account does something in the portal: the
    person for themselves, or a representative actor (the agent, whom they act for and under
    which mandate) while acting for someone. Every view takes its actor from this function,
    never builds one."""
    from audit.actors import Actor

    mandate = mandate_of(request)
    if mandate is not None:
        return Actor.representative(agent_of(request), mandate.person, mandate.key, user=request.user)
    return Actor.person(person_of(request), user=request.user)


def own_case(request, reference):
    """The person's own case ``reference`` as its own type (in the mandate's scope while acting
    for someone), or 404."""
    cases = scoped(request, Case.objects.filter(reference=reference, person=person_of(request)))
    found = cases.values_list("pk", "case_type").first()
    if found is None:
        raise Http404
    pk, case_type = found
    return CASE_MODELS[case_type].objects.select_related("owning_unit").get(pk=pk)
