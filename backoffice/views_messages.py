"""Staff pages of the messages people write to the office.

``/messages/`` lists, for the units where the user may view cases (their subtree), the messages
awaiting an answer (about a case or in general) and the latest general messages; a message about
a case is also answered on the case page. Answering calls ``cases.messages.message_answer`` (a
staff actor; the service checks the power to work cases at the message's unit). A message of a
unit outside the user's scope answers 404, as a missing one.
"""

import os

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.messages import message_answer
from cases.models import CaseMessage, MessageAttachment
from cases.selectors import unit_ids_by_power
from roles.errors import DomainError
from roles.powers import Power

from .forms_messages import MessageAnswerForm
from .navigation import staff_grants

LISTED = 50


def visible_unit_ids(request):
    """Ids of the units whose messages the user may read: where they may view cases (one query)."""
    if not hasattr(request, "_message_units"):
        grants = staff_grants(request)
        request._message_units = unit_ids_by_power(grants, [Power.VIEW_CASE])[0][Power.VIEW_CASE]
    return request._message_units


def _rows(queryset):
    return queryset.select_related("person", "case", "unit").prefetch_related("attachments")


def awaiting_of_case(case):
    """The person's messages about ``case`` awaiting an answer, with their attachments: no query
    when the case has none (``Case.messages_awaiting``), else two."""
    if not case.messages_awaiting:
        return []
    return list(
        CaseMessage.objects.filter(case=case, direction=CaseMessage.Direction.IN, answered_at__isnull=True)
        .prefetch_related("attachments")
        .order_by("sent_at", "pk")
    )


@login_required
@require_GET
def message_list(request):
    """Messages awaiting an answer and general messages of the user's units. A fixed number of
    queries whatever the numbers."""
    units = visible_unit_ids(request)
    ours = CaseMessage.objects.filter(unit_id__in=units, direction=CaseMessage.Direction.IN)
    awaiting = list(_rows(ours.filter(answered_at__isnull=True)).order_by("sent_at", "pk")[:LISTED])
    general = list(_rows(ours.filter(case__isnull=True)).order_by("-sent_at", "-pk")[:LISTED]) if units else []
    context = {
        "awaiting": awaiting,
        "general": general,
        "form": MessageAnswerForm(),
        "section": "messages",
    }
    return render(request, "backoffice/messages.html", context)


def _in_scope(request, pk):
    found = CaseMessage.objects.filter(
        pk=pk, unit_id__in=visible_unit_ids(request), direction=CaseMessage.Direction.IN
    ).select_related("case")
    message = found.first()
    if message is None:
        raise Http404(_("No such message."))
    return message


def _back(request, message):
    wanted = request.POST.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()}, request.is_secure()):
        return wanted
    if message.case_id:
        return reverse("case_detail", kwargs={"reference": message.case.reference})
    return reverse("staff_messages")


@login_required
@require_POST
def message_answer_view(request, pk):
    """Answer a person's message (from the case page or from ``/messages/``)."""
    message = _in_scope(request, pk)
    form = MessageAnswerForm(request.POST)
    if not form.is_valid():
        flash.error(request, _("Write the answer before sending it."))
        return HttpResponseRedirect(_back(request, message))
    try:
        message_answer(message_id=message.pk, actor=request.user, text=form.cleaned_data["text"])
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.message)
        flash.error(request, exc.message)
    else:
        flash.success(request, _("Your answer was sent; the person finds it in their account."))
    return HttpResponseRedirect(_back(request, message))


@login_required
@require_GET
def message_attachment(request, pk, attachment_id):
    """A file a person sent with a message of the user's units, as a download."""
    message = _in_scope(request, pk)
    attachment = MessageAttachment.objects.filter(pk=attachment_id, message_id=message.pk).first()
    if attachment is None:
        raise Http404(_("No such attachment."))
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file of this attachment is missing."))
    response = FileResponse(
        handle, as_attachment=True, filename=os.path.basename(attachment.name), content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
