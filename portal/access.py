"""Who the portal is serving: the signed-in person's own record, never anyone else's.

Every portal view starts from ``person_of(request)``: a page of another person's case answers
404 (``own_case``), as if it did not exist."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import resolve_url

from backoffice import security
from cases.models import CASE_MODELS, Case


def person_required(view):
    """The view serves a person signed in to the portal (second factor passed); anyone else goes
    to the portal's login."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated or security.side_of(request.session) != security.PORTAL_SIDE:
            return redirect_to_login(request.get_full_path(), resolve_url("portal:login"))
        return view(request, *args, **kwargs)

    return wrapper


def person_of(request):
    """The registry person the signed-in portal account is (cached on the request)."""
    if not hasattr(request, "_portal_person"):
        from .models import PortalAccount

        request._portal_person = PortalAccount.objects.select_related("person").get(user=request.user).person
    return request._portal_person


def actor_of(request):
    """Who acts in the audit trail when the signed-in account does something in the portal: the
    person for themselves. (Representation will return a representative actor here: every view
    takes its actor from this function, never builds one.)"""
    from audit.actors import Actor

    return Actor.person(person_of(request), user=request.user)


def own_case(request, reference):
    """The person's own case ``reference`` as its own type, or 404."""
    found = Case.objects.filter(reference=reference, person=person_of(request)).values_list("pk", "case_type").first()
    if found is None:
        raise Http404
    pk, case_type = found
    return CASE_MODELS[case_type].objects.select_related("owning_unit").get(pk=pk)
