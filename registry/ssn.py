"""Social security numbers: nine digits and a Luhn check digit."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

LENGTH = 10


def check_digit(body):
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def make_ssn(serial):
    body = f"{int(serial):09d}"
    if len(body) != LENGTH - 1:
        raise ValueError("serial out of range")
    return body + check_digit(body)


def is_valid_ssn(value):
    value = (value or "").strip()
    return len(value) == LENGTH and value.isdigit() and check_digit(value[:-1]) == value[-1]


def validate_ssn(value):
    if not is_valid_ssn(value):
        raise ValidationError(
            _("%(value)s is not a valid social security number."), params={"value": value}, code="ssn"
        )
