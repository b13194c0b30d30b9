"""Forms of the audit pages. They only parse input; the selectors and services do the rest."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.selectors import EventFilters
from cases.forms import DateInput

SUBJECT_TYPES = [
    ("case", _("Case")),
    ("user", _("Staff account")),
    ("org_unit", _("Org unit")),
    ("authority_limit", _("Authority limit")),
    ("parameter", _("Rule parameter")),
    ("verification_run", _("Verification run")),
    ("audit_export", _("Audit export")),
]


class AuditSearchForm(forms.Form):
    reference = forms.CharField(label=_("Case reference"), required=False, max_length=40)
    subject_type = forms.ChoiceField(
        label=_("Subject type"), required=False, choices=[("", _("Any subject")), *SUBJECT_TYPES]
    )
    subject_id = forms.CharField(label=_("Subject id"), required=False, max_length=64)
    actor = forms.CharField(label=_("Actor (user name)"), required=False, max_length=150)
    on_behalf_of = forms.CharField(label=_("On behalf of (user name)"), required=False, max_length=150)
    action = forms.CharField(label=_("Action"), required=False, max_length=60)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("Until"), required=False, widget=DateInput)

    def clean(self):
        data = super().clean()
        for name in ("reference", "subject_id", "actor", "on_behalf_of", "action"):
            if name in data:
                data[name] = data[name].strip()
        if data.get("subject_id") and not data.get("subject_type"):
            self.add_error("subject_type", _("Choose the type of the subject."))
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end of the period is before its start."))
        return data

    def filters(self, *, subject_type="", subject_id=""):
        """The selector's filters; ``subject_type``/``subject_id`` replace the form's (a case
        reference resolved by the view)."""
        data = self.cleaned_data
        tz = timezone.get_current_timezone()
        start, end = data.get("date_from"), data.get("date_to")
        return EventFilters(
            subject_type=subject_type or data.get("subject_type") or "",
            subject_id=subject_id or data.get("subject_id") or "",
            actor=data.get("actor") or "",
            on_behalf_of=data.get("on_behalf_of") or "",
            action=data.get("action") or "",
            since=dt.datetime.combine(start, dt.time.min, tzinfo=tz) if start else None,
            before=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz) if end else None,
        )
