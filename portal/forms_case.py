"""The forms of a person's actions on their own case: an answer with documents, a document on its
own, an appeal, a reopening. A file is checked by its bytes (PDF, JPEG or PNG), never by its name
or the content type the browser declared; the engine checks it again when it stores it."""

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from cases.engine import MAX_DOCUMENT_BYTES, document_type

from . import forms as portal_forms

MAX_FILES = 5
ACCEPT = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"
FILE_HELP = _("PDF, JPEG or PNG, up to %(size)s each.")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (the browser's multiple file choice): a list of files."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(one, initial) for one in files]


def check_file(upload):
    """Refuse a file too large or not a PDF, JPEG or PNG by its first bytes (named in the message)."""
    if upload.size > MAX_DOCUMENT_BYTES:
        raise forms.ValidationError(
            _("%(name)s is larger than %(size)s.") % {"name": upload.name, "size": filesizeformat(MAX_DOCUMENT_BYTES)}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if document_type(head) is None:
        raise forms.ValidationError(
            _("%(name)s is not a PDF document or a JPEG or PNG image. Send one of these.") % {"name": upload.name}
        )
    return upload


def _help():
    return FILE_HELP % {"size": filesizeformat(MAX_DOCUMENT_BYTES)}


class AnswerForm(portal_forms.AnswerForm):
    """The answer to the office's question, with documents if the person has any."""

    documents = MultipleFileField(label=_("Documents (optional)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["documents"].help_text = _help() + " " + _("You may choose several files.")

    def clean_documents(self):
        files = self.cleaned_data.get("documents") or []
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("Send at most %(n)s files at once.") % {"n": MAX_FILES})
        return [check_file(upload) for upload in files]


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("What the document is"), max_length=200)
    file = forms.FileField(label=_("File"), widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _help()

    def clean_file(self):
        return check_file(self.cleaned_data["file"])


class AppealForm(forms.Form):
    grounds = forms.CharField(
        label=_("Why you disagree with the decision"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the answer does not settle your grievance"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
