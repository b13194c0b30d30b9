"""Staff pages: inbox, unit queue, case page and the actions on a case, for every case type.

Views hold no business rule: they read through ``cases.selectors``, act through the case
services (``cases.services``, ``cases.engine`` and the modules of each case type) and show a
service's refusal (a domain error) as a message or as the error of the form field it names.
Forms appear only where ``roles`` says the user may act, but the service is the guard.

The case page is the same for every type: facts every case has, its task, history, documents
and comments, plus a details panel per type (``templates/backoffice/types/<case_type>.html``)
and the type's actions (``ACTIONS``, from the registry: ``cases.catalog`` and ``cases.actions``):
each a small form whose view calls exactly one service.
"""

import json
import os
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from audit.services import SYSTEM_LABEL
from cases import catalog, engine, labels, selectors, services, worklist
from cases.models import (
    CASE_MODELS,
    CaseDocument,
    CaseType,
    GrievanceCategory,
    Priority,
)
from roles.errors import DomainError, NotAuthorized
from roles.powers import Power
from roles.selectors import authorize

from . import forms
from .navigation import staff_grants

User = get_user_model()

PAGE_SIZE = 50

# Read with every case: what the common part of the page shows.
CASE_RELATED = ("person", "employer", "owning_unit", "process")
DECISION_RELATED = (
    "deciding_unit",
    "recommended_by",
    "recommended_on_behalf_of",
    "decided_by",
    "decided_on_behalf_of",
)
# ... and what each type's details panel shows, in the same query.
TYPE_RELATED = {
    CaseType.BENEFIT_CLAIM: ("deceased", *DECISION_RELATED),
    CaseType.CONTRIBUTION_REFUND: ("bank_account", *DECISION_RELATED),
    CaseType.ARREARS_WAIVER: DECISION_RELATED,
    CaseType.GRIEVANCE: ("related_case",),
    CaseType.MEDICAL_COMMISSION: ("related_claim",),
    CaseType.REPRESENTATIVE_PAYEE: (
        "representative",
        "representative_account",
        "verified_by",
        "approved_by",
        "approved_on_behalf_of",
    ),
    CaseType.POWER_OF_ATTORNEY: ("attorney", "verified_by", "approved_by", "approved_on_behalf_of"),
}

TYPE_LABELS = dict(CaseType.choices)
# Internal row ids in event payloads that mean nothing to a reader.
HIDDEN_DETAILS = {
    "task",
    "comment",
    "document",
    "schedule",
    "assessment",
    "designation",
    "message",
    "reply",
    "attorney",
}

DETAIL_LABELS = {
    "active_from": gettext_lazy("active from"),
    "active_to": gettext_lazy("active until"),
    "amount": gettext_lazy("amount"),
    "attachments": gettext_lazy("attachments"),
    "answer": gettext_lazy("answer"),
    "benefit": gettext_lazy("benefit"),
    "category": gettext_lazy("category"),
    "claim": gettext_lazy("claim"),
    "channel": gettext_lazy("channel"),
    "days_overdue": gettext_lazy("days overdue"),
    "deciding_unit": gettext_lazy("deciding unit"),
    "delivered": gettext_lazy("delivered"),
    "degree_percent": gettext_lazy("degree of disability (%)"),
    "documents_ok": gettext_lazy("documents in order"),
    "due_date": gettext_lazy("due date"),
    "eligible": gettext_lazy("eligible"),
    "event": gettext_lazy("history event no."),
    "escalated": gettext_lazy("escalated"),
    "from": gettext_lazy("from unit"),
    "previous_priority": gettext_lazy("previous priority"),
    "sent_at": gettext_lazy("sent"),
    "event_date": gettext_lazy("date of the event"),
    "grounds": gettext_lazy("grounds"),
    "identity_ok": gettext_lazy("identity checked"),
    "instalments": gettext_lazy("instalments"),
    "level": gettext_lazy("escalation level"),
    "location": gettext_lazy("location"),
    "members": gettext_lazy("members"),
    "node": gettext_lazy("step"),
    "note": gettext_lazy("note"),
    "on": gettext_lazy("on"),
    "outcome": gettext_lazy("outcome"),
    "owner": gettext_lazy("owner"),
    "permanent": gettext_lazy("permanent"),
    "previous_owner_id": gettext_lazy("previous owner (user id)"),
    "priority": gettext_lazy("priority"),
    "question": gettext_lazy("question"),
    "queue": gettext_lazy("queue"),
    "reason": gettext_lazy("reason"),
    "related_case": gettext_lazy("related case"),
    "reopen_until": gettext_lazy("may be reopened until"),
    "recommendation": gettext_lazy("recommendation"),
    "review_date": gettext_lazy("review date"),
    "scheduled_for": gettext_lazy("scheduled for"),
    "subject": gettext_lazy("subject"),
    "text": gettext_lazy("text"),
    "title": gettext_lazy("title"),
    "to": gettext_lazy("to unit"),
    "total": gettext_lazy("total"),
    "scope": gettext_lazy("kinds of request"),
    "valid_from": gettext_lazy("valid from"),
    "valid_to": gettext_lazy("valid until"),
}
# Coded values shown by their label.
DETAIL_VALUES = {
    "category": dict(GrievanceCategory.choices),
    "priority": dict(Priority.choices),
    "previous_priority": dict(Priority.choices),
    "delivered": {
        "decision": gettext_lazy("the decision"),
        "info_request": gettext_lazy("the request for information"),
    },
}
# What the timeline shows apart, as the reason of an event.
WHY_KEYS = ("reason", "note", "grounds", "question", "answer", "text")


# --- Helpers ----------------------------------------------------------------------------------------


_grants = staff_grants  # the user's grants, read once per request (shared with the navigation)


def _may(request, power, unit):
    if unit is None or power is None:
        return False
    try:
        authorize(request.user, power, unit=unit, grants=_grants(request))
    except NotAuthorized:
        return False
    return True


def _find_case(request, reference):
    """(id, type) of the case ``reference`` if the user may see it; 404 otherwise (also for cases
    that exist): ``cases_visible_to`` decides."""
    visible = selectors.cases_visible_to(request.user, grants=_grants(request))
    found = visible.filter(reference=reference).values_list("pk", "case_type").first()
    if found is None:
        raise Http404(_("No such case."))
    return found


def _visible_case(request, reference):
    """The case ``reference`` as its own type, with what its page shows (two queries)."""
    pk, case_type = _find_case(request, reference)
    model = CASE_MODELS[case_type]
    return model.objects.select_related(*CASE_RELATED, *TYPE_RELATED.get(case_type, ())).get(pk=pk)


def _safe_next(request):
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return None


def _case_url(reference):
    return reverse("case_detail", kwargs={"reference": reference})


def _subject(case):
    if case.person_id:
        return case.person.full_name
    if case.employer_id:
        return case.employer.name
    return ""


def _label_rows(tasks):
    """What a task row shows of its case, whatever its type."""
    for task in tasks:
        case = task.process.case
        task.state_label = labels.state_label(case.case_type, case.state)
        task.type_label = TYPE_LABELS.get(case.case_type, case.case_type)
        task.subject = _subject(case)
        task.type_detail = (
            case.benefitclaim.get_benefit_type_display() if case.case_type == CaseType.BENEFIT_CLAIM else ""
        )
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


def _detail(key, value, titles):
    if key == "node":
        return titles.get(value, value)
    if key in DETAIL_VALUES and isinstance(value, str):
        return DETAIL_VALUES[key].get(value, value)
    return _detail_value(value)


def _history_rows(case):
    states = labels.state_labels(case.case_type)
    titles = labels.step_titles(case.process.flow_class if case.process_id else None)
    rows = []
    for event in selectors.case_history(case):
        payload = event.payload if isinstance(event.payload, dict) else {"value": json.dumps(event.payload)}
        rows.append(
            {
                "event": event,
                "action": labels.event_label(event.action, case.case_type),
                "actor": _user_label(event.actor)
                or (event.actor_label if event.actor_label != SYSTEM_LABEL else _("system")),
                "on_behalf_of": _user_label(event.on_behalf_of),
                "from_state": states.get(event.from_state, event.from_state),
                "to_state": states.get(event.to_state, event.to_state),
                "why": [
                    (DETAIL_LABELS.get(k, k), _detail_value(payload[k]))
                    for k in WHY_KEYS
                    if isinstance(payload.get(k), str) and payload[k].strip()
                ],
                "details": [
                    (DETAIL_LABELS.get(k, k.replace("_", " ")), _detail(k, v, titles))
                    for k, v in payload.items()
                    if k not in HIDDEN_DETAILS and not (k in WHY_KEYS and isinstance(v, str))
                ],
            }
        )
    return rows


# --- What a user may do on a case -----------------------------------------------------------------------


@dataclass
class CaseState:
    """A case with its open task, as the page's action checks see it."""

    request: object
    case: object
    task: object = None
    task_unit: object = None
    task_power: str | None = None
    extra: dict = field(default_factory=dict)  # what the type's details panel read (TYPE_CONTEXT)

    @property
    def user(self):
        return self.request.user

    @property
    def node(self):
        return self.task.flow_task.name if self.task is not None else None

    @property
    def owns_task(self):
        return self.task is not None and self.task.owner_id == self.user.pk

    def may(self, power, unit):
        return _may(self.request, power, unit)

    def may_work(self):
        return self.may(Power.WORK_CASE, self.case.owning_unit)

    def in_state(self, *states):
        return self.case.state in states

    def works(self, nodes, *states):
        """The user holds the open task at one of ``nodes`` and may work on the case in ``states``."""
        return self.node in nodes and self.owns_task and self.in_state(*states) and self.may_work()

    def holds(self, node, power=Power.WORK_CASE):
        """The user holds the open task at ``node`` and has ``power`` at the unit whose queue holds it."""
        return self.node == node and self.owns_task and self.may(power, self.task_unit)

    def passes(self, power, unit):
        """The user has ``power`` at ``unit`` and the type's own check of the open task's step
        accepts them (``cases.catalog``: four eyes with delegation, as the service applies it)."""
        if unit is None:
            return False
        try:
            grants = _grants(self.request)
            authority = authorize(self.user, power, unit=unit, grants=grants)
            catalog.check_step(self.case, self.node, self.user, authority, {**self.extra, "grants": grants})
        except DomainError:
            return False
        return True

    def allows(self, check, *args):
        """The service's own check of a period or a date, ``check(*args, today)`` (``args``: the
        case by default), accepts the action today."""
        try:
            check(*(args or (self.case,)), timezone.localdate())
        except DomainError:
            return False
        return True

    def decides(self, node, *states):
        """The decision task (``node``) is free or the user's, and the user may decide it at the
        deciding unit as the service would let them."""
        return (
            self.node == node
            and self.task.owner_id in (None, self.user.pk)
            and self.in_state(*states)
            and self.passes(Power.DECIDE_CASE, getattr(self.case, "deciding_unit", None))
        )


# Every type's actions, in the order the page shows them (the registry's, ``cases.actions``).
ACTIONS = {case_type: spec.actions for case_type, spec in catalog.TYPES.items()}


def _claim_context(case):
    assessment = case.assessment or {}
    return {"assessment": assessment, "assessment_details": sorted((assessment.get("details") or {}).items())}


def _medical_context(case):
    return {"sessions": list(case.sessions.prefetch_related("members").order_by("round"))}


# What a type's details panel reads beyond the case row (a fixed number of queries per type).
TYPE_CONTEXT = {
    CaseType.BENEFIT_CLAIM: _claim_context,
    CaseType.MEDICAL_COMMISSION: _medical_context,
}


# --- Pages ------------------------------------------------------------------------------------------


def _pager(request, page):
    """(first page query, next page query) keeping the filters and the sort of ``request``."""
    params = request.GET.copy()
    params.pop("after", None)
    first_query = params.urlencode() if request.GET.get("after") else None
    next_query = None
    if page.next_cursor:
        params["after"] = page.next_cursor
        next_query = params.urlencode()
    return first_query, next_query


@login_required
@require_GET
def inbox(request):
    form = forms.InboxSortForm(request.GET or None)
    sort = form.chosen_sort() if form.is_bound else None
    try:
        page = selectors.inbox(request.user, after=request.GET.get("after"), limit=PAGE_SIZE, sort=sort)
    except DomainError as exc:
        messages.error(request, exc.message)
        page = selectors.inbox(request.user, limit=PAGE_SIZE, sort=sort)
    _label_rows(page.rows)
    first_query, next_query = _pager(request, page)
    return render(
        request,
        "backoffice/inbox.html",
        {
            "page": page,
            "form": form,
            "first_query": first_query,
            "next_query": next_query,
            "may_take": _may_take(request),
            "section": "inbox",
        },
    )


def _may_take(request):
    """Whether the user holds a power that lets them take tasks from some queue (no query)."""
    powers = set(selectors.QUEUE_POWERS.values())
    return any(powers & set(g.powers) for g in _grants(request))


@login_required
@require_GET
def queue(request):
    form = forms.QueueFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    try:
        page = selectors.unit_queue(request.user, after=request.GET.get("after"), limit=PAGE_SIZE, **filters)
    except DomainError as exc:
        messages.error(request, exc.message)
        page = selectors.unit_queue(request.user, limit=PAGE_SIZE, **filters)
    _label_rows(page.rows)
    refusals = worklist.take_refusals(request.user, page.rows, grants=_grants(request))
    for task in page.rows:
        task.take_refused = refusals.get(task.pk)
    first_query, next_query = _pager(request, page)
    return render(
        request,
        "backoffice/queue.html",
        {
            "page": page,
            "form": form,
            "next_query": next_query,
            "first_query": first_query,
            "may_take": _may_take(request),
            "section": "queue",
        },
    )


@login_required
@require_POST
def take_next(request):
    """Take the most urgent task of the user's queues and open its case."""
    try:
        case, _task = worklist.task_take_next(actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(_safe_next(request) or reverse("queue"))
    messages.success(request, _("You took the task of case %(ref)s.") % {"ref": case.reference})
    return redirect(_case_url(case.reference))


def _case_page(request, case, bound=None, status=200):
    """Render the case page; ``bound`` holds forms that came back with errors."""
    bound = bound or {}
    task = selectors.open_task_of(case)
    task_unit, task_power = engine.task_queue(case, task) if task is not None else (None, None)
    extra = TYPE_CONTEXT[case.case_type](case) if case.case_type in TYPE_CONTEXT else {}
    state = CaseState(request, case, task, task_unit, task_power, extra)
    can = {
        "take": task is not None and task.owner_id is None and state.passes(task_power, task_unit),
        "release": task is not None
        and task.owner_id is not None
        and ((state.owns_task and state.may(task_power, task_unit)) or state.may(Power.REASSIGN_TASK, task_unit)),
        "reassign": task is not None and state.may(Power.REASSIGN_TASK, task_unit),
        "upload": state.may_work(),
        "comment": state.may_work(),
        "priority": state.may(Power.REASSIGN_TASK, case.owning_unit),
    }
    page_forms = {}
    if can["reassign"]:
        page_forms["reassign"] = bound.get("reassign") or forms.ReassignForm(
            prefix="reassign", candidates=selectors.staff_who_may(task_power, task_unit), initial={"task": task.pk}
        )
    if can["comment"]:
        page_forms["comment"] = bound.get("comment") or forms.CommentForm(prefix="comment")
    if can["priority"]:
        page_forms["priority"] = bound.get("priority") or forms.PriorityForm(
            prefix="priority", initial={"priority": case.priority}
        )
    if can["upload"]:
        page_forms["document"] = bound.get("document") or forms.DocumentForm(prefix="document")
    actions = [
        {
            "title": action.title,
            "form": bound.get(action.slug) or action.form(case),
            "url": action.url(case),
            "button": action.button,
            "button_class": "secondary" if action.secondary else "",
        }
        for action in ACTIONS.get(case.case_type, {}).values()
        if action.allowed(state)
    ]
    context = {
        "case": case,
        "type_label": TYPE_LABELS.get(case.case_type, case.case_type),
        "state_label": labels.state_label(case.case_type, case.state),
        "details_template": f"backoffice/types/{case.case_type}.html",
        "task": task,
        "task_unit": task_unit,
        "owns_task": state.owns_task,
        "can": can,
        "forms": page_forms,
        "actions": actions,
        "history": _history_rows(case),
        "registry": selectors.subject_registry(case),
        "documents": [
            (document, PREVIEW_KINDS.get(os.path.splitext(document.file.name)[1].lower()))
            for document in case.documents.select_related("uploaded_by").order_by("uploaded_at", "id")
        ],
        "comments": case.comments.select_related("author").order_by("created_at", "id"),
        "section": "case",
        **extra,
    }
    return render(request, "backoffice/case_detail.html", context, status=status)


@login_required
@require_GET
def case_detail(request, reference):
    return _case_page(request, _visible_case(request, reference))


# --- Actions ----------------------------------------------------------------------------------------


def _refused(request, reference, exc, *, name=None, form=None):
    """Show a service's refusal: on the named field of the form if it has one, else as a message."""
    if exc.status == 404:
        raise Http404(exc.message)
    if form is not None and exc.field and exc.field in form.fields:
        form.add_error(exc.field, exc.message)
    else:
        messages.error(request, exc.message)
    case = _visible_case(request, reference)  # as it is now, after the refused change rolled back
    return _case_page(request, case, bound={name: form} if form is not None else None, status=exc.status)


def _form_action(request, reference, *, name, form, call, done):
    """Parse ``form`` and make the one service ``call`` with the case id and the form's data."""
    pk, _case_type = _find_case(request, reference)
    if not form.is_valid():
        return _case_page(request, _visible_case(request, reference), bound={name: form}, status=422)
    try:
        call(pk, form.cleaned_data)
    except DomainError as exc:
        return _refused(request, reference, exc, name=name, form=form)
    messages.success(request, done)
    return redirect(_case_url(reference))


def _perform(request, reference, slug):
    """Run the action ``slug`` of the case's type: its form, then its one service call."""
    case = _visible_case(request, reference)
    action = ACTIONS.get(case.case_type, {}).get(slug)
    if action is None:
        raise Http404(_("No such action on this case."))
    form = action.form(case, request.POST, request.FILES)
    if not form.is_valid():
        return _case_page(request, case, bound={slug: form}, status=422)
    try:
        action.run(request.user, case, form.cleaned_data)
    except DomainError as exc:
        return _refused(request, reference, exc, name=slug, form=form)
    messages.success(request, action.done)
    return redirect(_case_url(case.reference))


@login_required
@require_POST
def case_action(request, reference, action):
    return _perform(request, reference, action)


def _action_view(slug):
    """A view of its own for one action (the benefit claim routes)."""

    @login_required
    @require_POST
    def view(request, reference):
        return _perform(request, reference, slug)

    view.__name__ = f"case_{slug.replace('-', '_')}"
    return view


case_recommend = _action_view("recommend")
case_request_info = _action_view("request-info")
case_receive_info = _action_view("receive-info")
case_decide = _action_view("decide")


@login_required
@require_POST
def case_take(request, reference):
    pk, _case_type = _find_case(request, reference)
    try:
        services.task_take(case_id=pk, actor=request.user)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.message)
        messages.error(request, exc.message)
        return HttpResponseRedirect(_safe_next(request) or _case_url(reference))
    messages.success(request, _("You took the task of case %(ref)s.") % {"ref": reference})
    return redirect(_case_url(reference))


@login_required
@require_POST
def case_release(request, reference):
    pk, _case_type = _find_case(request, reference)
    try:
        services.task_release(case_id=pk, actor=request.user)
    except DomainError as exc:
        return _refused(request, reference, exc)
    messages.success(request, _("The task is back in the queue."))
    return redirect(_case_url(reference))


@login_required
@require_POST
def case_reassign(request, reference):
    case = _visible_case(request, reference)
    task = selectors.open_task_of(case)
    if task is None:
        messages.error(request, _("This case has no open task."))
        return redirect(_case_url(reference))
    unit, power = engine.task_queue(case, task)
    form = forms.ReassignForm(request.POST, prefix="reassign", candidates=selectors.staff_who_may(power, unit))
    return _form_action(
        request,
        reference,
        name="reassign",
        form=form,
        call=lambda pk, data: services.task_reassign(
            case_id=pk, actor=request.user, to_user=data["user"], task_id=data["task"]
        ),
        done=_("The task was reassigned."),
    )


@login_required
@require_POST
def case_priority(request, reference):
    return _form_action(
        request,
        reference,
        name="priority",
        form=forms.PriorityForm(request.POST, prefix="priority"),
        call=lambda pk, data: worklist.case_set_priority(
            case_id=pk, actor=request.user, priority=data["priority"], reason=data["reason"]
        ),
        done=_("The priority was changed."),
    )


@login_required
@require_POST
def case_comment(request, reference):
    return _form_action(
        request,
        reference,
        name="comment",
        form=forms.CommentForm(request.POST, prefix="comment"),
        call=lambda pk, data: services.case_comment_add(case_id=pk, actor=request.user, text=data["text"]),
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
        call=lambda pk, data: services.case_document_add(
            case_id=pk, actor=request.user, title=data["title"], uploaded_file=data["file"]
        ),
        done=_("The document was added."),
    )


@login_required
@require_GET
def case_document_download(request, reference, document_id):
    pk, _case_type = _find_case(request, reference)
    try:
        document = CaseDocument.objects.get(pk=document_id, case_id=pk)
    except CaseDocument.DoesNotExist:
        raise Http404(_("No such document."))
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file of this document is missing."))
    return FileResponse(handle, as_attachment=True, filename=os.path.basename(document.file.name))


# Documents shown in the page: by the extension of the stored name, whether to embed an image or a
# PDF frame; what is served is decided again by the file's first bytes.
PREVIEW_KINDS = {".pdf": "pdf", ".png": "image", ".jpg": "image", ".jpeg": "image", ".gif": "image", ".webp": "image"}
# First bytes of a file -> the content type it is served with inline.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def _sniff(head):
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


@login_required
@require_GET
@xframe_options_sameorigin
def case_document_preview(request, reference, document_id):
    """A PDF or an image of the case served inline for the page to embed; any other file: 404.
    The type comes from the file's content, never from its name or the uploader; the browser
    may not guess another (nosniff) and runs nothing in it (sandbox)."""
    pk, _case_type = _find_case(request, reference)
    try:
        document = CaseDocument.objects.get(pk=document_id, case_id=pk)
    except CaseDocument.DoesNotExist:
        raise Http404(_("No such document."))
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file of this document is missing."))
    content_type = _sniff(handle.read(16))
    if content_type is None:
        handle.close()
        raise Http404(_("This document cannot be shown in the page; download it."))
    handle.seek(0)
    response = FileResponse(handle, content_type=content_type, as_attachment=False)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    # An image runs in a sandbox; a sandboxed PDF is not shown by every browser's viewer, so a PDF
    # (its type fixed from its bytes, never HTML) may load nothing and be framed by the page only.
    if content_type == "application/pdf":
        response["Content-Security-Policy"] = "default-src 'none'; object-src 'self'; frame-ancestors 'self'"
    else:
        response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; frame-ancestors 'self'"
    response["Cache-Control"] = "private, no-store"
    return response
