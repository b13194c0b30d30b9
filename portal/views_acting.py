"""Acting for another person in the portal: the page that asks whom the account acts for (itself,
or a person it represents under a mandate of ``portal.mandates``), and the grantor's revocation of
a power of attorney.

Choosing is recorded in the audit trail (``portal_account.acting_for``), as is going back to
acting for oneself; what is done meanwhile is recorded with a representative actor
(``portal.access.actor_of``)."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from audit.services import record_event
from cases.models import AttorneyState, CaseType, Receipt
from cases.receipts import receipt_issue, submitted_by
from roles.errors import DomainError

from .access import ACTING, SELF, actor_of, agent_of, mandate_of, own_case, person_required, safe_next
from .mandates import ATTORNEY, mandates_of
from .models import PortalAccount


class ActingForm(forms.Form):
    whom = forms.ChoiceField(label=gettext_lazy("Whom do you act for?"), widget=forms.RadioSelect)

    def __init__(self, *args, mandates, **kwargs):
        super().__init__(*args, **kwargs)
        self.mandates = {m.key: m for m in mandates}
        self.fields["whom"].choices = [(SELF, _("Myself"))] + [(m.key, _describe(m)) for m in mandates]


def _describe(mandate):
    scope = ", ".join(str(CaseType(kind).label) for kind in mandate.scope)
    if mandate.kind == ATTORNEY:
        return _("%(name)s, by power of attorney %(ref)s (%(scope)s)") % {
            "name": mandate.person.full_name,
            "ref": mandate.reference,
            "scope": scope,
        }
    return _("%(name)s, as representative payee %(ref)s (%(scope)s)") % {
        "name": mandate.person.full_name,
        "ref": mandate.reference,
        "scope": scope,
    }


@person_required(choosing=True)
@require_http_methods(["GET", "POST"])
def acting(request):
    """Choose whom to act for: oneself or a person one represents today. The choice holds until
    changed here, the mandate checked again on every page."""
    agent = agent_of(request)
    mandates = mandates_of(agent, timezone.localdate())
    current = mandate_of(request)
    initial = {"whom": current.key if current else SELF}
    form = ActingForm(request.POST or None, mandates=mandates, initial=initial)
    if request.method == "POST" and form.is_valid():
        whom = form.cleaned_data["whom"]
        mandate = form.mandates.get(whom)
        account = PortalAccount.objects.only("pk").get(user=request.user)
        with transaction.atomic():
            record_event(
                subject_type="portal_account",
                subject_id=account.pk,
                action="portal_account.acting_for" if mandate else "portal_account.acting_for_self",
                actor=actor_of(request),
                payload={"mandate": mandate.key, "person": mandate.person.pk} if mandate else {},
            )
        request.session[ACTING] = whom
        if mandate:
            messages.success(request, _("You are now acting for %(name)s.") % {"name": mandate.person.full_name})
        else:
            messages.success(request, _("You are now acting for yourself."))
        return redirect(safe_next(request, request.POST.get("next")) or reverse("portal:home"))
    context = {
        "form": form,
        "next": safe_next(request, request.POST.get("next") or request.GET.get("next")) or "",
        "section": "acting",
    }
    return render(request, "portal/acting.html", context, status=400 if form.errors else 200)


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why you revoke it"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


def may_revoke(request, case):
    """The grantor (not someone acting for them) may revoke their power of attorney in force or
    approved for later."""
    return (
        case.case_type == CaseType.POWER_OF_ATTORNEY
        and case.state == AttorneyState.APPROVED
        and mandate_of(request) is None
    )


@person_required
@require_POST
def case_revoke(request, reference):
    """Revoke one's own power of attorney (``attorney_revoke``, as the grantor); a receipt."""
    from .views import _case_page

    case = own_case(request, reference)
    form = RevokeForm(request.POST)
    if not may_revoke(request, case):
        messages.error(request, _("This is not possible any more: the request has moved on."))
        return redirect(reverse("portal:case", kwargs={"reference": case.reference}))
    if form.is_valid():
        from cases import attorneys

        actor = actor_of(request)
        try:
            with transaction.atomic():
                attorneys.attorney_revoke(case_id=case.pk, actor=actor, reason=form.cleaned_data["reason"])
                receipt = receipt_issue(case=case, kind=Receipt.Kind.REVOKED, submitted=submitted_by(form), actor=actor)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Your power of attorney is revoked: the attorney may no longer act for you."))
            return redirect(reverse("portal:receipt", kwargs={"code": receipt.code}))
    return _case_page(request, case, status=400, revoke=form)
