"""Changing a rule parameter: the central office's administrators, with a reason, on the record.

A parameter's values are effective-dated (``rules.parameters``): a change adds the value in force
from a date. It never silently replaces a value: setting a date that already has one is a
correction, which must be confirmed and records the value it replaces. A value dated in the past
changes what the rules say about open cases whose date falls in its period; those cases are
named before the change is confirmed, and recorded with it. Each change is an audit event of the
subject ("parameter", key), with the reason.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record_event
from cases.models import BenefitClaim, BenefitType, Case, CaseType
from roles.errors import InvalidInput, NotAuthorized
from roles.selectors import sets_authority_limits

from .models import Parameter
from .parameters import DEFAULTS

AFFECTED_SHOWN = 50
REASON_MAX = 1000

# The benefit whose rules read a parameter, by the key's first part; None: every benefit.
_BENEFIT_OF = {
    "marriage_grant": BenefitType.MARRIAGE,
    "funeral_grant": BenefitType.FUNERAL,
    "sickness": BenefitType.SICKNESS,
    "maternity": BenefitType.MATERNITY,
    "unemployment": BenefitType.UNEMPLOYMENT,
    "disability": BenefitType.DISABILITY,
    "retirement": BenefitType.OLD_AGE,
    "pension": BenefitType.OLD_AGE,
    "survivors": BenefitType.SURVIVORS,
    "minimum_wage": None,
    "dependant": None,
}
# Other case types whose handling reads a parameter (their date: the day they were filed).
_CASE_TYPE_OF = {
    "grievance": CaseType.GRIEVANCE,
    "medical": CaseType.MEDICAL_COMMISSION,
    "contribution": CaseType.ARREARS_WAIVER,
    "penalty": CaseType.ARREARS_WAIVER,
}


class NeedsConfirmation(Exception):
    """The change is valid but must be confirmed: it corrects a value, or reaches into the past."""

    def __init__(self, preview):
        super().__init__(_("Confirm the change."))
        self.preview = preview


@dataclass
class Preview:
    key: str
    valid_from: dt.date
    value: Decimal
    replaces: Decimal | None = None  # the value already set from that date
    until: dt.date | None = None  # the next value's date, if any
    affected_count: int = 0
    affected: list = field(default_factory=list)  # references, the first AFFECTED_SHOWN

    @property
    def past(self):
        return self.affected_count > 0 or self.replaces is not None


def known_keys():
    keys = set(Parameter.objects.values_list("key", flat=True).distinct())
    return sorted(keys | set(DEFAULTS))


def _open_cases(key, start, until):
    """The open cases whose rules read ``key`` on a date in [start, until)."""
    head = key.split(".", 1)[0]
    if head == "sla":
        case_type = key.split(".")[1]
        if case_type == "information_request":
            cases = BenefitClaim.objects.filter(state="awaiting_info")
        else:
            model = _model_of(case_type)
            if model is None:
                return Case.objects.none()
            cases = model.objects.filter(state__in=model.OPEN_STATES)
        date_field = "created_at__date"
    elif head in _BENEFIT_OF:
        cases = BenefitClaim.objects.filter(state__in=BenefitClaim.OPEN_STATES)
        if _BENEFIT_OF[head] is not None:
            cases = cases.filter(benefit_type=_BENEFIT_OF[head])
        date_field = "event_date"
    elif head in _CASE_TYPE_OF:
        model = _model_of(_CASE_TYPE_OF[head])
        # The reopening and appeal periods concern resolved grievances and decided examinations.
        states = {"grievance": ["resolved"], "medical": ["decided"]}.get(head, model.OPEN_STATES)
        cases = model.objects.filter(state__in=states)
        date_field = "created_at__date"
    else:
        return Case.objects.none()
    cases = cases.filter(**{f"{date_field}__gte": start})
    if until is not None:
        cases = cases.filter(**{f"{date_field}__lt": until})
    return cases


def _model_of(case_type):
    from cases.models import CASE_MODELS

    return CASE_MODELS.get(case_type)


def preview_change(*, key, value, valid_from, on):
    """What setting ``key`` to ``value`` from ``valid_from`` would do, seen on ``on``."""
    value = Decimal(value)
    preview = Preview(key=key, valid_from=valid_from, value=value)
    preview.replaces = Parameter.objects.filter(key=key, valid_from=valid_from).values_list("value", flat=True).first()
    preview.until = (
        Parameter.objects.filter(key=key, valid_from__gt=valid_from)
        .order_by("valid_from")
        .values_list("valid_from", flat=True)
        .first()
    )
    if valid_from <= on:
        affected = _open_cases(key, valid_from, preview.until).order_by("reference")
        preview.affected_count = affected.count()
        preview.affected = list(affected.values_list("reference", flat=True)[:AFFECTED_SHOWN])
    return preview


def parameter_change(*, actor, key, value, valid_from, reason, on, confirmed=False):
    """Set ``key`` to ``value`` from ``valid_from``, for ``reason``, as ``actor`` on the day ``on``.

    Raises NotAuthorized for anyone but an administrator of the top unit, InvalidInput for an
    unknown key, a missing reason or a value equal to the one it would replace, and
    NeedsConfirmation (with the preview) when it corrects a value or reaches open cases, unless
    ``confirmed``."""
    reason = (reason or "").strip()
    with transaction.atomic():
        if not sets_authority_limits(actor):
            raise NotAuthorized(_("Only an administrator of the top unit of the organisation changes rule parameters."))
        if key not in known_keys():
            raise InvalidInput(_("There is no rule parameter %(key)s.") % {"key": key}, field="key")
        if not reason:
            raise InvalidInput(_("Give the reason for the change."), field="reason")
        if len(reason) > REASON_MAX:
            raise InvalidInput(_("The reason is too long."), field="reason")
        # One change at a time per key: the preview and the write see the same values.
        list(Parameter.objects.select_for_update().filter(key=key).values_list("pk", flat=True))
        preview = preview_change(key=key, value=value, valid_from=valid_from, on=on)
        if preview.replaces is not None and Decimal(preview.replaces) == preview.value:
            raise InvalidInput(_("This value is already set from that date."), field="value")
        if preview.past and not confirmed:
            raise NeedsConfirmation(preview)
        description = dict(DEFAULTS).get(key, ("", ""))[1]
        Parameter.objects.update_or_create(
            key=key, valid_from=valid_from, defaults={"value": preview.value, "description": description}
        )
        record_event(
            subject_type="parameter",
            subject_id=key,
            action="parameter.corrected" if preview.replaces is not None else "parameter.set",
            actor=actor,
            payload={
                "valid_from": valid_from,
                "value": preview.value,
                "replaced": preview.replaces,
                "reason": reason,
                "open_cases": preview.affected_count,
                "open_cases_named": preview.affected,
            },
        )
        return preview
