"""Messages between a person and the office.

The person writes (``message_send``) about one of their cases or in general (no case), with
attachments checked by their bytes (``cases.attachments``); the message is an audit event with
the person as actor and has its official receipt (kind ``message``). A staff member working at
the message's unit answers it (``message_answer``): an audit event with the staff actor, and a
portal notification to the person.

A message about a case is an event of the case's own chain, under the case's row lock, which
also keeps ``Case.messages_awaiting`` (what the queues show). A general message is a chain of
its own (subject ``message``), serialised by the message's row lock; it is answered at the
person's home branch.
"""

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit.actors import account_of, as_actor
from audit.services import record_event
from roles.errors import DomainError
from roles.powers import Power

from . import engine
from .attachments import attachments_check, attested
from .errors import Conflict, InvalidInput, NotAuthorized
from .models import CaseMessage, MessageAttachment, Notification, Receipt

SUBJECT_MAX = 200
MESSAGE_SUBJECT = "message"
STORED = gettext_noop("stored in the person's account")


class MessageNotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _("No such message.")


def _payload(message, checked):
    return {
        "message": message.pk,
        "subject": message.subject,
        "attachments": [{"name": c.name, "sha256": c.sha256} for c in checked],
    }


def message_send(*, person, actor, subject, text, case=None, attachments=()):
    """``actor`` (the person, or whoever may act for them) writes to the office about ``case``
    (one of ``person``'s cases) or in general (``case`` None). ``attachments``: uploaded files or
    ``cases.attachments.Checked`` ones, checked here by their bytes. Returns the message, with its
    ``receipt``."""
    subject = engine.required_text(subject, _("Give your message a subject."), "subject")
    if len(subject) > SUBJECT_MAX:
        raise InvalidInput(_("The subject is longer than %(n)s characters.") % {"n": SUBJECT_MAX}, field="subject")
    text = engine.required_text(text, _("Write your message."), "text")
    checked = attachments_check(attachments)  # the form checked them too; the service is the guard
    with transaction.atomic():
        if case is not None:
            case = engine.lock_any(case.pk)
            if case.person_id != person.pk:
                raise NotAuthorized()
            authority = engine.acting_grant(actor, case)
            unit = case.owning_unit
        else:
            authority = engine.acting_authority(actor, person.branch, engine.subject_of(person=person))
            unit = person.branch
        who = as_actor(actor)
        now = timezone.now()
        message = CaseMessage.objects.create(
            person=person,
            case=case,
            unit=unit,
            direction=CaseMessage.Direction.IN,
            subject=subject,
            text=text,
            author=account_of(actor),
            author_kind=who.kind,
            sent_at=now,
        )
        for item in checked:
            attachment = MessageAttachment(
                message=message,
                name=item.name,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
            )
            attachment.file.save(item.name, ContentFile(item.content), save=False)
            attachment.save()
        submitted = {_("Subject"): subject, _("Message"): text}
        if checked:
            submitted[_("Attachments")] = attested(checked)
        message.receipt = _receipt(case, person, submitted, actor)
        message.save(update_fields=["receipt"])
        payload = _payload(message, checked)
        if case is not None:
            step = engine.step_for(case, actor, authority)
            step.audit("message.received", payload=payload)
            case.messages_awaiting += 1
            step.save("messages_awaiting")
        else:
            record_event(
                subject_type=MESSAGE_SUBJECT,
                subject_id=message.pk,
                action="message.received",
                actor=actor,
                on_behalf_of_id=authority.on_behalf_of_id if authority else None,
                org_unit_id=unit.pk,
                payload=payload,
            )
    return message


def _receipt(case, person, submitted, actor):
    from .receipts import receipt_issue

    return receipt_issue(case=case, person=person, kind=Receipt.Kind.MESSAGE, submitted=submitted, actor=actor)


def message_answer(*, message_id, actor, text):
    """A staff member working cases at the message's unit answers the person's message
    ``message_id``: the answer is a message from the office, the person's message is answered,
    and the person finds a notification in their account. Returns the answer."""
    text = engine.required_text(text, _("Write the answer."), "text")
    who = as_actor(actor)
    if not who.is_staff:
        raise NotAuthorized()
    with transaction.atomic():
        found = (
            CaseMessage.objects.filter(pk=message_id, direction=CaseMessage.Direction.IN)
            .values_list("pk", "case_id")
            .first()
        )
        if found is None:
            raise MessageNotFound()
        case_id = found[1]
        case = engine.lock_any(case_id) if case_id else None  # the case first, as every case service
        message = CaseMessage.objects.select_for_update().select_related("unit", "person").get(pk=message_id)
        unit = case.owning_unit if case is not None else message.unit
        authority = engine.grant(who.user, Power.WORK_CASE, unit)
        if message.answered_at is not None:
            raise Conflict(_("This message was already answered."))
        now = timezone.now()
        answer = CaseMessage.objects.create(
            person=message.person,
            case=case,
            unit=unit,
            direction=CaseMessage.Direction.OUT,
            in_reply_to=message,
            subject=(_("Re: %(subject)s") % {"subject": message.subject})[:SUBJECT_MAX],
            text=text,
            author=who.user,
            author_kind=who.kind,
            sent_at=now,
        )
        message.answered_at = now
        message.save(update_fields=["answered_at"])
        payload = {"message": message.pk, "reply": answer.pk, "subject": message.subject, "text": text}
        if case is not None:
            step = engine.step_for(case, actor, authority)
            step.audit("message.answered", payload=payload)
            case.messages_awaiting = max(0, case.messages_awaiting - 1)
            step.save("messages_awaiting")
        else:
            record_event(
                subject_type=MESSAGE_SUBJECT,
                subject_id=message.pk,
                action="message.answered",
                actor=actor,
                on_behalf_of_id=authority.on_behalf_of_id if authority else None,
                org_unit_id=unit.pk,
                payload=payload,
            )
        Notification.objects.create(
            key=f"message:{answer.pk}:portal",
            person=message.person,
            case=case,
            channel=Notification.Channel.PORTAL,
            subject=(_("The office answered your message: %(subject)s") % {"subject": message.subject})[:200],
            body=text,
            status=Notification.Status.SENT,
            outcome=STORED,
            created_at=now,
            sent_at=now,
        )
    return answer
