"""Staff pages: inbox, unit queue, case page and the actions on a case.

Views hold no business rule: they read through ``cases.selectors``, act through
``cases.services`` and show a service's refusal (a domain error) as a message or as the
error of the form field it names. Buttons and forms appear only where ``roles`` says the
user may act, but the service is the guard.
"""

import json
import os

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from audit.services import SYSTEM_LABEL
from cases import selectors, services
from cases.models import BenefitClaim, CaseDocument, ClaimState
from roles.errors import DomainError, NotAuthorized
from roles.powers import Power
from roles.selectors import authorize, grants_for
from workflows.flows import BenefitClaimFlow

from . import forms

CLAIM_RELATED = (
    "person",
    "deceased",
    "owning_unit",
    "deciding_unit",
    "recommended_by",
    "recommended_on_behalf_of",
    "decided_by",
    "decided_on_behalf_of",
)

User = get_user_model()

PAGE_SIZE = 50

STATE_LABELS = dict(ClaimState.choices)

ACTION_LABELS = {
    "benefit_claim.created": gettext_lazy("Claim created"),
    "benefit_claim.submit": gettext_lazy("Claim submitted"),
    "benefit_claim.start_review": gettext_lazy("Review started"),
    "benefit_claim.request_info": gettext_lazy("Information requested"),
    "benefit_claim.receive_info": gettext_lazy("Information received"),
    "benefit_claim.recommend": gettext_lazy("Recommended"),
    "benefit_claim.send_back": gettext_lazy("Sent back for review"),
    "benefit_claim.approve": gettext_lazy("Approved"),
    "benefit_claim.reject": gettext_lazy("Rejected"),
    "benefit_claim.appeal": gettext_lazy("Appealed"),
    "benefit_claim.start_payment": gettext_lazy("Payment scheduled"),
    "benefit_claim.paid": gettext_lazy("Payment made"),
    "benefit_claim.close": gettext_lazy("Closed"),
    "benefit_claim.withdraw": gettext_lazy("Withdrawn"),
    "task.created": gettext_lazy("Task opened"),
    "task.assigned": gettext_lazy("Task taken"),
    "task.unassigned": gettext_lazy("Task released"),
    "task.reassigned": gettext_lazy("Task reassigned"),
    "task.completed": gettext_lazy("Task completed"),
    "task.cancelled": gettext_lazy("Task cancelled"),
    "comment.added": gettext_lazy("Comment added"),
    "document.added": gettext_lazy("Document added"),
}

# Internal row ids in event payloads that mean nothing to a reader.
HIDDEN_DETAILS = {"task"}

NODE_TITLES = {name: getattr(BenefitClaimFlow, name).task_title for name in BenefitClaimFlow.QUEUE_PERMISSIONS}

DETAIL_LABELS = {
    "amount": gettext_lazy("amount"),
    "answer": gettext_lazy("answer"),
    "benefit": gettext_lazy("benefit"),
    "channel": gettext_lazy("channel"),
    "deciding_unit": gettext_lazy("deciding unit"),
    "eligible": gettext_lazy("eligible"),
    "escalated": gettext_lazy("escalated"),
    "event_date": gettext_lazy("date of the event"),
    "grounds": gettext_lazy("grounds"),
    "instalments": gettext_lazy("instalments"),
    "node": gettext_lazy("step"),
    "note": gettext_lazy("note"),
    "outcome": gettext_lazy("outcome"),
    "owner": gettext_lazy("owner"),
    "previous_owner_id": gettext_lazy("previous owner (user id)"),
    "question": gettext_lazy("question"),
    "queue": gettext_lazy("queue"),
    "reason": gettext_lazy("reason"),
    "recommendation": gettext_lazy("recommendation"),
    "text": gettext_lazy("text"),
    "title": gettext_lazy("title"),
    "total": gettext_lazy("total"),
}


# --- Helpers ----------------------------------------------------------------------------------------


def _grants(request):
    """The user's grants, read once per request."""
    if not hasattr(request, "_staff_grants"):
        request._staff_grants = grants_for(request.user)
    return request._staff_grants


def _may(request, power, unit):
    if unit is None:
        return False
    try:
        authorize(request.user, power, unit=unit, grants=_grants(request))
    except NotAuthorized:
        return False
    return True


def _visible_claim(request, reference):
    """The claim ``reference`` if the user may see it; 404 otherwise (also for cases that exist)."""
    visible = selectors.cases_visible_to(request.user, grants=_grants(request))
    try:
        return BenefitClaim.objects.select_related(*CLAIM_RELATED).filter(case_ptr__in=visible).get(reference=reference)
    except BenefitClaim.DoesNotExist:
        raise Http404(_("No such case."))


def _safe_next(request):
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return None


def _claim_url(claim):
    return reverse("case_detail", kwargs={"reference": claim.reference})


def _label_states(tasks):
    """The case state of each task row as people read it (the FSM field has no choices)."""
    for task in tasks:
        task.state_label = STATE_LABELS.get(task.process.case.state, task.process.case.state)
    return tasks


def _user_label(user):
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _detail_value(value):
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_detail_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_detail_value(v) for v in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None:
        return "–"
    return str(value)


def _history_rows(claim):
    rows = []
    for event in selectors.case_history(claim):
        payload = event.payload if isinstance(event.payload, dict) else {"value": json.dumps(event.payload)}
        rows.append(
            {
                "event": event,
                "action": ACTION_LABELS.get(event.action, event.action),
                "actor": _user_label(event.actor) or (event.actor_label if event.actor_label != SYSTEM_LABEL else _("system")),
                "on_behalf_of": _user_label(event.on_behalf_of),
                "from_state": STATE_LABELS.get(event.from_state, event.from_state),
                "to_state": STATE_LABELS.get(event.to_state, event.to_state),
                "details": [
                    (DETAIL_LABELS.get(k, k.replace("_", " ")), NODE_TITLES.get(v, v) if k == "node" else _detail_value(v))
                    for k, v in payload.items()
                    if k not in HIDDEN_DETAILS
                ],
            }
        )
    return rows


def _task_unit(claim, task):
    """The unit whose queue holds the task: the owning or the deciding unit of the claim."""
    for unit in (claim.owning_unit, claim.deciding_unit):
        if unit is not None and str(unit.pk) == task.owner_permission_obj_pk:
            return unit
    return None


# --- Pages ------------------------------------------------------------------------------------------


@login_required
@require_GET
def inbox(request):
    try:
        page = selectors.inbox(request.user, after=request.GET.get("after"), limit=PAGE_SIZE)
    except DomainError as exc:
        messages.error(request, exc.message)
        page = selectors.inbox(request.user, limit=PAGE_SIZE)
    _label_states(page.rows)
    return render(request, "backoffice/inbox.html", {"page": page, "section": "inbox"})


@login_required
@require_GET
def queue(request):
    form = forms.QueueFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    try:
        page = selectors.unit_queue(
            request.user, after=request.GET.get("after"), limit=PAGE_SIZE, grants=_grants(request), **filters
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        page = selectors.unit_queue(request.user, limit=PAGE_SIZE, grants=_grants(request), **filters)
    _label_states(page.rows)
    params = request.GET.copy()
    params.pop("after", None)
    first_query = params.urlencode() if request.GET.get("after") else None
    next_query = None
    if page.next_cursor:
        params["after"] = page.next_cursor
        next_query = params.urlencode()
    return render(
        request,
        "backoffice/queue.html",
        {
            "page": page,
            "form": form,
            "next_query": next_query,
            "first_query": first_query,
            "section": "queue",
        },
    )


def _case_page(request, claim, bound=None, status=200):
    """Render the case page; ``bound`` holds forms that came back with errors."""
    bound = bound or {}
    user = request.user
    task = selectors.open_task_of(claim)
    node = task.flow_task.name if task is not None else None
    task_unit = _task_unit(claim, task) if task is not None else None
    task_power = selectors.QUEUE_POWERS.get(task.owner_permission) if task is not None else None
    owns_task = task is not None and task.owner_id == user.pk
    can = {
        "take": task is not None and task.owner_id is None and _may(request, task_power, task_unit),
        "release": task is not None
        and task.owner_id is not None
        and ((owns_task and _may(request, task_power, task_unit)) or _may(request, Power.REASSIGN_TASK, task_unit)),
        "reassign": task is not None and _may(request, Power.REASSIGN_TASK, task_unit),
        "review": node == "review"
        and owns_task
        and claim.state == ClaimState.IN_REVIEW
        and _may(request, Power.WORK_CASE, claim.owning_unit),
        "receive_info": claim.state == ClaimState.AWAITING_INFO and _may(request, Power.WORK_CASE, claim.owning_unit),
        "decide": node == "decide"
        and task.owner_id in (None, user.pk)
        and claim.state == ClaimState.RECOMMENDED
        and _may(request, Power.DECIDE_CASE, claim.deciding_unit),
        "upload": _may(request, Power.WORK_CASE, claim.owning_unit),
        "comment": _may(request, Power.WORK_CASE, claim.owning_unit),
    }
    page_forms = {}
    if can["review"]:
        page_forms["recommend"] = bound.get("recommend") or forms.RecommendForm(prefix="recommend")
        page_forms["request_info"] = bound.get("request_info") or forms.RequestInfoForm(prefix="info")
    if can["receive_info"]:
        page_forms["receive_info"] = bound.get("receive_info") or forms.ReceiveInfoForm(prefix="received")
    if can["decide"]:
        page_forms["decide"] = bound.get("decide") or forms.DecideForm(prefix="decide")
    if can["reassign"]:
        page_forms["reassign"] = bound.get("reassign") or forms.ReassignForm(
            prefix="reassign", candidates=selectors.staff_who_may(task_power, task_unit)
        )
    if can["comment"]:
        page_forms["comment"] = bound.get("comment") or forms.CommentForm(prefix="comment")
    if can["upload"]:
        page_forms["document"] = bound.get("document") or forms.DocumentForm(prefix="document")
    assessment = claim.assessment or {}
    context = {
        "claim": claim,
        "state_label": STATE_LABELS.get(claim.state, claim.state),
        "task": task,
        "task_unit": task_unit,
        "owns_task": owns_task,
        "can": can,
        "forms": page_forms,
        "assessment": assessment,
        "assessment_details": sorted((assessment.get("details") or {}).items()),
        "history": _history_rows(claim),
        "documents": claim.documents.select_related("uploaded_by").order_by("uploaded_at", "id"),
        "comments": claim.comments.select_related("author").order_by("created_at", "id"),
        "section": "case",
    }
    return render(request, "backoffice/case_detail.html", context, status=status)


@login_required
@require_GET
def case_detail(request, reference):
    return _case_page(request, _visible_claim(request, reference))


# --- Actions ----------------------------------------------------------------------------------------


def _refused(request, reference, exc, *, name=None, form=None):
    """Show a service's refusal: on the named field of the form if it has one, else as a message."""
    if exc.status == 404:
        raise Http404(exc.message)
    if form is not None and exc.field and exc.field in form.fields:
        form.add_error(exc.field, exc.message)
    else:
        messages.error(request, exc.message)
    claim = _visible_claim(request, reference)  # as it is now, after the refused change rolled back
    return _case_page(request, claim, bound={name: form} if form is not None else None, status=exc.status)


def _form_action(request, reference, *, name, form, call, done):
    claim = _visible_claim(request, reference)
    if not form.is_valid():
        return _case_page(request, claim, bound={name: form}, status=422)
    try:
        call(claim, form.cleaned_data)
    except DomainError as exc:
        return _refused(request, reference, exc, name=name, form=form)
    messages.success(request, done)
    return redirect(_claim_url(claim))


@login_required
@require_POST
def case_take(request, reference):
    claim = _visible_claim(request, reference)
    try:
        services.task_take(case_id=claim.pk, actor=request.user)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.message)
        messages.error(request, exc.message)
        return HttpResponseRedirect(_safe_next(request) or _claim_url(claim))
    messages.success(request, _("You took the task of case %(ref)s.") % {"ref": claim.reference})
    return redirect(_claim_url(claim))


@login_required
@require_POST
def case_release(request, reference):
    claim = _visible_claim(request, reference)
    try:
        services.task_release(case_id=claim.pk, actor=request.user)
    except DomainError as exc:
        return _refused(request, reference, exc)
    messages.success(request, _("The task is back in the queue."))
    return redirect(_claim_url(claim))


@login_required
@require_POST
def case_reassign(request, reference):
    claim = _visible_claim(request, reference)
    task = selectors.open_task_of(claim)
    if task is None:
        messages.error(request, _("This case has no open task."))
        return redirect(_claim_url(claim))
    unit = _task_unit(claim, task)
    power = selectors.QUEUE_POWERS.get(task.owner_permission)
    candidates = selectors.staff_who_may(power, unit) if unit is not None and power else User.objects.none()
    form = forms.ReassignForm(request.POST, prefix="reassign", candidates=candidates)
    return _form_action(
        request,
        reference,
        name="reassign",
        form=form,
        call=lambda c, data: services.task_reassign(case_id=c.pk, actor=request.user, to_user=data["user"]),
        done=_("The task was reassigned."),
    )


@login_required
@require_POST
def case_recommend(request, reference):
    def call(claim, data):
        approve = data["decision"] == forms.APPROVE
        services.claim_recommend(
            case_id=claim.pk,
            actor=request.user,
            approve=approve,
            amount=data["amount"] if approve else None,
            note=data["note"],
        )

    return _form_action(
        request,
        reference,
        name="recommend",
        form=forms.RecommendForm(request.POST, prefix="recommend"),
        call=call,
        done=_("Your recommendation was recorded; the claim went to the decision queue."),
    )


@login_required
@require_POST
def case_request_info(request, reference):
    return _form_action(
        request,
        reference,
        name="request_info",
        form=forms.RequestInfoForm(request.POST, prefix="info"),
        call=lambda c, data: services.claim_request_info(case_id=c.pk, actor=request.user, question=data["question"]),
        done=_("The claimant was asked for information."),
    )


@login_required
@require_POST
def case_receive_info(request, reference):
    return _form_action(
        request,
        reference,
        name="receive_info",
        form=forms.ReceiveInfoForm(request.POST, prefix="received"),
        call=lambda c, data: services.claim_receive_info(case_id=c.pk, actor=request.user, answer=data["answer"]),
        done=_("The information was recorded; the claim is back in review."),
    )


@login_required
@require_POST
def case_decide(request, reference):
    def call(claim, data):
        services.claim_decide(
            case_id=claim.pk, actor=request.user, approve=data["decision"] == forms.APPROVE, note=data["note"]
        )

    return _form_action(
        request,
        reference,
        name="decide",
        form=forms.DecideForm(request.POST, prefix="decide"),
        call=call,
        done=_("Your decision was recorded."),
    )


@login_required
@require_POST
def case_comment(request, reference):
    return _form_action(
        request,
        reference,
        name="comment",
        form=forms.CommentForm(request.POST, prefix="comment"),
        call=lambda c, data: services.case_comment_add(case_id=c.pk, actor=request.user, text=data["text"]),
        done=_("Your comment was added."),
    )


@login_required
@require_POST
def case_document_upload(request, reference):
    return _form_action(
        request,
        reference,
        name="document",
        form=forms.DocumentForm(request.POST, request.FILES, prefix="document"),
        call=lambda c, data: services.case_document_add(
            case_id=c.pk, actor=request.user, title=data["title"], uploaded_file=data["file"]
        ),
        done=_("The document was added."),
    )


@login_required
@require_GET
def case_document_download(request, reference, document_id):
    claim = _visible_claim(request, reference)
    try:
        document = CaseDocument.objects.get(pk=document_id, case_id=claim.pk)
    except CaseDocument.DoesNotExist:
        raise Http404(_("No such document."))
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file of this document is missing."))
    return FileResponse(handle, as_attachment=True, filename=os.path.basename(document.file.name))
