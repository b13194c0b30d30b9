"""A person's actions on their own case, each through the engine and each with a receipt: an
answer with documents, a document on its own, an appeal of a decision, a reopening of a grievance.

Every view takes the case through ``own_case`` (another person's case answers 404), accepts POST
only, checks that the action is still offered (the page's rule is the engine's), and sends the
person to the receipt; a refusal is shown on the case page with the form and its errors."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from cases import catalog
from cases.models import Receipt
from cases.receipts import receipt_issue, submitted_by
from roles.errors import DomainError

from . import case_actions
from .access import actor_of, own_case, person_required
from .forms_case import AnswerForm, AppealForm, DocumentForm, ReopenForm

NOT_ANY_MORE = _lazy("This is not possible any more: the request has moved on.")


def _submit(request, reference, form_class, allowed, call, done, slot, kind, refused=NOT_ANY_MORE):
    """One action: the form (with its files), the engine's services in one transaction (``call``
    returns the files it stored as (name, SHA-256) pairs), and the receipt of what was sent, each
    file's name and digest included."""
    from .views import _case_page

    case = own_case(request, reference)
    form = form_class(request.POST, request.FILES)
    if not allowed(case):
        messages.error(request, refused)
        return redirect(reverse("portal:case", kwargs={"reference": case.reference}))
    if form.is_valid():
        spec = catalog.TYPES[case.case_type]
        actor = actor_of(request)
        try:
            with transaction.atomic():
                files = call(spec, case, actor, form.cleaned_data)
                receipt = receipt_issue(case=case, kind=kind, submitted=submitted_by(form, files), actor=actor)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, done)
            return redirect(reverse("portal:receipt", kwargs={"code": receipt.code}))
    return _case_page(request, case, status=400, **{slot: form})


def _add(case, actor, upload, title=""):
    """Store one file through the engine: (its name as sent, the SHA-256 of what was stored)."""
    from cases.engine import case_document_add

    document = case_document_add(case_id=case.pk, actor=actor, title=title or upload.name, uploaded_file=upload)
    return upload.name, document.sha256


def _answer(spec, case, actor, data):
    files = [_add(case, actor, upload) for upload in data.get("documents") or []]
    spec.service("receive_info")(case_id=case.pk, actor=actor, answer=data["answer"])
    return files


def _appeal(spec, case, actor, data):
    spec.service("appeal")(case_id=case.pk, actor=actor, grounds=data["grounds"])
    return []


def _reopen(spec, case, actor, data):
    spec.service("reopen")(case_id=case.pk, actor=actor, reason=data["reason"])
    return []


def _may_answer(case):
    from .views import _may_answer as may

    return may(case)


@person_required
@require_POST
def case_answer(request, reference):
    """Answer the office's question, with documents (``<type>_receive_info`` and
    ``case_document_add``, as the person)."""
    return _submit(
        request,
        reference,
        AnswerForm,
        _may_answer,
        _answer,
        _("Your answer was sent; your request is being processed again."),
        "answer",
        Receipt.Kind.ANSWERED,
    )


@person_required
@require_POST
def case_document(request, reference):
    """Add a document to one's own case before it is closed."""
    return _submit(
        request,
        reference,
        DocumentForm,
        case_actions.may_add_document,
        lambda spec, case, actor, data: [_add(case, actor, data["file"], data["title"])],
        _("Your document was added to your request."),
        "document",
        Receipt.Kind.DOCUMENT,
        _lazy("No document can be added: this request is closed."),
    )


@person_required
@require_POST
def case_appeal(request, reference):
    """Appeal the decision (``<type>_appeal``: claims, medical commissions)."""
    return _submit(
        request,
        reference,
        AppealForm,
        case_actions.may_appeal,
        _appeal,
        _("Your appeal was received; your request will be examined again."),
        "appeal",
        Receipt.Kind.APPEALED,
    )


@person_required
@require_POST
def case_reopen(request, reference):
    """Contest the answer to one's grievance within its period (``grievance_reopen``)."""
    return _submit(
        request,
        reference,
        ReopenForm,
        case_actions.may_reopen,
        _reopen,
        _("Your grievance is reopened; the office will look at it again."),
        "reopen",
        Receipt.Kind.REOPENED,
    )
