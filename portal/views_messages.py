"""The person's messages with the office and their notifications.

- My messages: what the person wrote (in general or about one of their cases), each with the
  office's answers; a message's page and its attachments answer 404 to anyone but its owner.
- Writing a message calls ``cases.messages.message_send`` with the actor of the request
  (``actor_of``); its receipt is shown at once.
- Notifications: the list, and one notification's page. **Opening a notification's page marks it
  read** (``cases.notifications.portal_message_open``): a GET with this one effect is safe here,
  because it only ever sets ``read_at`` once on the signed-in person's own notification (another
  person's answers 404 and changes nothing), it is idempotent, and it is what the person means by
  opening it; no form is needed to read a message.
"""

import os

from django.contrib import messages as flash
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cases.messages import message_send
from cases.models import CaseMessage, MessageAttachment, Notification
from cases.notifications import MessageNotFound, portal_message_open
from roles.errors import DomainError

from .access import actor_of, own_case, person_of, person_required, scoped
from .forms_messages import MessageForm

LISTED = 50  # messages and notifications shown on their list pages


def _threads(queryset):
    """The person's messages with their attachments and the office's answers (three queries)."""
    return queryset.select_related("case", "receipt").prefetch_related(
        "attachments",
        Prefetch("answers", queryset=CaseMessage.objects.order_by("sent_at", "pk")),
    )


def case_conversation(person, case):
    """The messages about ``case`` the person wrote, oldest first, with answers and attachments."""
    mine = CaseMessage.objects.filter(person=person, case=case, direction=CaseMessage.Direction.IN)
    return list(_threads(mine).order_by("sent_at", "pk"))


@person_required
@require_GET
def message_list(request):
    """My messages: what I wrote, newest first, answered or awaiting an answer. A fixed number of
    queries whatever the numbers (the messages, their attachments, their answers)."""
    mine = messages_of(request).filter(direction=CaseMessage.Direction.IN)
    rows = list(_threads(mine).order_by("-sent_at", "-pk")[:LISTED])
    return render(request, "portal/messages.html", {"rows": rows, "section": "messages"})


def _write(request, *, case=None):
    person = person_of(request)
    form = MessageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            message = message_send(
                person=person,
                actor=actor_of(request),
                subject=data["subject"],
                text=data["text"],
                case=case,
                attachments=data["attachments"],
            )
        except DomainError as exc:
            if exc.status == 404:
                raise Http404
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            flash.success(request, _("Your message was sent to the office. Here is its receipt."))
            return redirect(reverse("portal:receipt", kwargs={"code": message.receipt.code}))
    context = {"form": form, "case": case, "section": "messages"}
    return render(request, "portal/message_write.html", context, status=400 if form.errors else 200)


@person_required
@require_http_methods(["GET", "POST"])
def message_write(request):
    """Write to the office about no request in particular."""
    return _write(request)


@person_required
@require_http_methods(["GET", "POST"])
def case_message_write(request, reference):
    """Write to the office about one of my requests."""
    return _write(request, case=own_case(request, reference))


def messages_of(request):
    """The messages of the person served: while acting for someone, those about requests in the
    mandate's scope and the general ones."""
    return scoped(request, CaseMessage.objects.filter(person=person_of(request)), "case__case_type", general=True)


def notifications_of(request):
    """The portal notifications of the person served, limited like their messages."""
    notes = Notification.objects.filter(person=person_of(request), channel=Notification.Channel.PORTAL)
    return scoped(request, notes, "case__case_type", general=True)


def _own_message(request, pk):
    found = _threads(messages_of(request).filter(pk=pk, direction=CaseMessage.Direction.IN)).first()
    if found is None:
        raise Http404
    return found


@person_required
@require_GET
def message_detail(request, pk):
    """One of my messages with the office's answers."""
    return render(request, "portal/message.html", {"message": _own_message(request, pk), "section": "messages"})


@person_required
@require_GET
def message_attachment(request, pk, attachment_id):
    """A file I sent, as a download; another person's (or a missing one) answers 404."""
    attachment = MessageAttachment.objects.filter(
        pk=attachment_id, message__in=messages_of(request).filter(pk=pk)
    ).first()
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=os.path.basename(attachment.name),
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@person_required
@require_GET
def notification_list(request):
    """My notifications, newest first, unread ones marked (one query for the list)."""
    notes = list(notifications_of(request).order_by("-created_at", "-pk")[:LISTED])
    return render(request, "portal/notifications.html", {"notes": notes, "section": "notifications"})


@person_required
@require_GET
def notification_detail(request, pk):
    """One notification; opening it marks it read (see the module's documentation)."""
    person = person_of(request)
    if not notifications_of(request).filter(pk=pk).exists():
        raise Http404
    try:
        note = portal_message_open(notification_id=pk, person=person)
    except MessageNotFound:
        raise Http404
    thread = None
    kind, _sep, rest = note.key.partition(":")
    if kind == "message":
        answer_pk = rest.split(":", 1)[0]
        if answer_pk.isdigit():
            thread = messages_of(request).filter(pk=int(answer_pk)).values_list("in_reply_to_id", flat=True).first()
    context = {"note": note, "thread": thread, "section": "notifications"}
    return render(request, "portal/notification.html", context)
