"""Official receipts of what people submit (online or at a counter), and their verification.

A receipt names the case (none for a message about no case in particular), what was submitted (the form's fields as sent), when, by whom (the
person, their representative, or a counter of the office) and for whom; its SHA-256 digest is
taken over exactly that content, and its verification code lets anyone check it on the public
page, which shows only what the receipt attests and is rate-limited by address."""

import datetime as dt
import hashlib
import json
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.actors import as_actor

from .models import Receipt, ReceiptLookup

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U
CODE_GROUPS = 3
LOOKUPS_PER_WINDOW = 20
LOOKUP_WINDOW = dt.timedelta(minutes=10)


class TooManyLookups(Exception):
    """The address asked the verification page too often: it waits for the window to pass."""


def _code():
    return "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) for _ in range(CODE_GROUPS))


def _plain(value):
    if isinstance(value, (list, tuple)):  # attachments: each name with its SHA-256
        return "; ".join(_plain(item) for item in value)
    if hasattr(value, "sha256") and hasattr(value, "name"):
        return f"{value.name} (SHA-256 {value.sha256})"
    if hasattr(value, "reference"):
        return value.reference
    if hasattr(value, "ssn"):
        return value.ssn
    if hasattr(value, "pk") and not isinstance(value, (str, int)):
        return str(value.pk)
    return "" if value is None else str(value)


def digest_of(content):
    """SHA-256 of the receipt's content as canonical JSON (sorted keys, UTF-8)."""
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_of(receipt):
    """What the digest covers: the case, the kind, what was submitted, when, by whom, for whom."""
    content = {
        "case": receipt.case.reference if receipt.case_id else "",
        "kind": receipt.kind,
        "submitted": receipt.submitted,
        "issued_at": receipt.issued_at.isoformat(),
        "actor_kind": receipt.actor_kind,
        "actor": receipt.actor.get_username() if receipt.actor_id else "",
        "person": receipt.person.ssn,
    }
    if receipt.concerns:  # a delivery: which decision or request of the case (older receipts have none)
        content["concerns"] = receipt.concerns
    return content


def submitted_by(form, files=()):
    """What a valid form submitted, field by field as the sender saw it: {label: value}. A file
    field shows what the filing stored (each file's name and SHA-256, as a grievance's attachments
    do) and is left out otherwise; each file of ``files`` ((name as sent, SHA-256 of the content
    stored)) is then a row of its own. Either way the receipt's digest covers each file's digest."""
    from django import forms

    def stored(value):  # files the filing already stored, each known by its SHA-256
        items = value if isinstance(value, (list, tuple)) else [value]
        return bool(items) and all(hasattr(item, "sha256") for item in items)

    submitted = {
        str(field.label): _plain(form.cleaned_data.get(name))
        for name, field in form.fields.items()
        if not isinstance(field, forms.FileField) or stored(form.cleaned_data.get(name))
    }
    for number, (name, sha256) in enumerate(files, start=1):
        submitted[_("Document %(n)s") % {"n": number}] = f"{name} · SHA-256 {sha256}"
    return submitted


def receipt_issue(*, case, kind, submitted, actor, person=None, concerns=""):
    """Issue the receipt of a submission on ``case`` (``submitted``: {label: value}, as
    ``submitted_by`` reads a form), inside the caller's transaction. ``case`` None: a submission
    about no case (a general message), for ``person``. ``concerns``: for a delivery, the event of
    the case delivered (``engine.delivery_key``)."""
    acting = as_actor(actor)
    receipt = Receipt(
        code=_code(),
        case=case,
        person=person if person is not None else case.person,
        kind=kind,
        submitted=submitted,
        actor=acting.user,
        actor_kind=acting.kind,
        issued_at=timezone.now(),
        concerns=concerns,
    )
    receipt.digest = digest_of(content_of(receipt))
    receipt.save(force_insert=True)
    return receipt


def receipt_holds(receipt):
    """The receipt's digest still matches its content."""
    return receipt.digest == digest_of(content_of(receipt))


def normalised(code):
    letters = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return "-".join(letters[i : i + 4] for i in range(0, len(letters), 4))


def receipt_verify(code, address, now=None):
    """The receipt with ``code`` (None when there is none), counting the look-up against the
    address's limit; ``TooManyLookups`` beyond it."""
    now = now or timezone.now()
    with transaction.atomic():
        recent = ReceiptLookup.objects.filter(address=address, at__gte=now - LOOKUP_WINDOW).count()
        if recent >= LOOKUPS_PER_WINDOW:
            raise TooManyLookups(_("Too many checks from your connection. Try again in a few minutes."))
        ReceiptLookup.objects.create(address=address, at=now)
    return Receipt.objects.select_related("case", "person__branch", "actor").filter(code=normalised(code)).first()


def receipt_pdf(receipt, request=None):
    """The receipt as a PDF (WeasyPrint; right-to-left languages render as such)."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    html = render_to_string("receipts/receipt_pdf.html", {"receipt": receipt, **receipt_context(receipt)}, request)
    return HTML(string=html).write_pdf()


def receipt_context(receipt):
    """What a receipt's page and PDF show, in the reader's words."""
    from . import labels

    case = receipt.case
    unit = case.owning_unit if case is not None else receipt.person.branch
    by = {
        "person": _("The person concerned, online"),
        "representative": _("A representative, online"),
        "staff": _("A counter of the office (%(unit)s)") % {"unit": unit.name},
    }.get(receipt.actor_kind, receipt.actor_kind)
    return {
        "type": labels.type_label(case.case_type) if case is not None else "",
        "kind_label": receipt.get_kind_display(),
        "by": by,
        "for_name": f"{receipt.person.first_name} {receipt.person.last_name}",
        "rows": list(receipt.submitted.items()),
        "holds": receipt_holds(receipt),
    }


def pdf_response(content, receipt):
    """The PDF of ``receipt`` as a download."""
    from django.http import HttpResponse

    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{receipt.code}.pdf"'
    return response
