"""Files people send with a message or a grievance: a PDF, a JPEG or a PNG, at most
``MAX_ATTACHMENT_BYTES`` each and ``MAX_ATTACHMENTS`` at a time. The type is read from the
file's first bytes, never from its name or from what the browser says."""

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _

from .errors import InvalidInput
from .models import CaseDocument

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # as a case document (cases.engine.MAX_DOCUMENT_BYTES)
MAX_ATTACHMENTS = 5
# First bytes -> the type the file is.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


@dataclass(frozen=True)
class Checked:
    """An accepted file: its name as sent, its bytes, the type its bytes show and their SHA-256."""

    name: str
    content: bytes
    content_type: str
    sha256: str

    @property
    def size(self):
        return len(self.content)


def content_type_of(head):
    """The accepted type whose signature ``head`` starts with, or None."""
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def attachment_check(uploaded, *, field="attachments"):
    """Read ``uploaded`` (a Django uploaded file) and return it ``Checked``; ``InvalidInput`` on
    ``field`` if it is too large or not a PDF, JPEG or PNG by its bytes."""
    name = (getattr(uploaded, "name", "") or "file").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:200]
    if uploaded.size > MAX_ATTACHMENT_BYTES:
        raise InvalidInput(
            _("%(name)s is larger than %(mb)s MB.") % {"name": name, "mb": MAX_ATTACHMENT_BYTES // (1024 * 1024)},
            field=field,
        )
    uploaded.seek(0)
    content = uploaded.read()
    uploaded.seek(0)
    content_type = content_type_of(content[:16])
    if content_type is None:
        raise InvalidInput(
            _("%(name)s is not a PDF, JPEG or PNG file. Send a document of one of these types.") % {"name": name},
            field=field,
        )
    return Checked(name=name, content=content, content_type=content_type, sha256=CaseDocument.digest(content))


def attachments_check(files, *, field="attachments"):
    """``files`` (uploaded files, or ``Checked`` ones, checked again from their bytes) checked."""
    files = [f for f in files or () if f]
    if len(files) > MAX_ATTACHMENTS:
        raise InvalidInput(_("Send at most %(n)s files at a time.") % {"n": MAX_ATTACHMENTS}, field=field)
    return [attachment_check(_as_file(f), field=field) for f in files]


def _as_file(item):
    return ContentFile(item.content, name=item.name) if isinstance(item, Checked) else item


def attested(checked):
    """How the attachments read in a receipt: each name with its SHA-256."""
    return "; ".join(f"{c.name} (SHA-256 {c.sha256})" for c in checked)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Optional files, several at once; cleaned into a list of ``Checked`` (the checks above)."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Attachments"))
        kwargs.setdefault(
            "help_text",
            _("PDF, JPEG or PNG, at most %(n)s files of %(mb)s MB each.")
            % {"n": MAX_ATTACHMENTS, "mb": MAX_ATTACHMENT_BYTES // (1024 * 1024)},
        )
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png")

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        files = [super(AttachmentsField, self).clean(f, initial) for f in files]
        if not files and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        try:
            return attachments_check(files)
        except InvalidInput as exc:
            raise ValidationError(exc.message, code="invalid") from exc
