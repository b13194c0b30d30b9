"""Social security numbers: nine digits and a Luhn check digit."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from registry.models import Person
from registry.ssn import LENGTH, check_digit, is_valid_ssn, make_ssn, validate_ssn


def luhn_ok(number):
    """The Luhn test written independently: from the right, double every second digit."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d // 10 + d % 10
    return total % 10 == 0


SAMPLES = [make_ssn(n) for n in (1, 42, 100_000_001, 123_456_789, 987_654_321, 999_999_999)]


def test_known_check_digits():
    assert make_ssn(1) == "0000000018"
    assert check_digit("000000000") == "0"
    assert check_digit("799273987") == "5"  # 7992739875 passes the Luhn test
    assert luhn_ok("7992739875")


@pytest.mark.parametrize("ssn", SAMPLES)
def test_generated_numbers_are_valid(ssn):
    assert len(ssn) == LENGTH and ssn.isdigit()
    assert is_valid_ssn(ssn)
    assert luhn_ok(ssn)
    validate_ssn(ssn)


@pytest.mark.parametrize("ssn", SAMPLES)
def test_any_single_digit_change_fails(ssn):
    for position in range(LENGTH):
        for digit in "0123456789":
            if digit == ssn[position]:
                continue
            changed = ssn[:position] + digit + ssn[position + 1 :]
            assert not is_valid_ssn(changed), changed


@pytest.mark.parametrize("ssn", SAMPLES)
def test_swapping_adjacent_different_digits_fails(ssn):
    for i in range(LENGTH - 1):
        a, b = ssn[i], ssn[i + 1]
        if a == b or {a, b} == {"0", "9"}:  # the one swap the Luhn digit cannot see
            continue
        assert not is_valid_ssn(ssn[:i] + b + a + ssn[i + 2 :])


@pytest.mark.parametrize(
    "value",
    ["", None, "000000001", "00000000180", "123456789", "12345678903", "00000000 8", "O000000018", "-000000018"],
)
def test_wrong_length_or_characters_fail(value):
    assert not is_valid_ssn(value)
    with pytest.raises(ValidationError) as caught:
        validate_ssn(value)
    assert caught.value.code == "ssn"


def test_surrounding_spaces_are_ignored_by_the_check():
    assert is_valid_ssn(" 0000000018 ")


def test_make_ssn_refuses_serials_out_of_range():
    with pytest.raises(ValueError):
        make_ssn(1_000_000_000)


@pytest.mark.django_db
def test_person_full_clean_rejects_a_bad_ssn(org):
    good = make_ssn(555_000_111)
    person = Person(
        ssn=good, first_name="Ana", last_name="Lee", birth_date=dt.date(1990, 1, 1), sex="F", branch=org.north_a
    )
    person.full_clean()
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    person.ssn = bad
    with pytest.raises(ValidationError) as caught:
        person.full_clean()
    assert list(caught.value.message_dict) == ["ssn"]
    assert bad in caught.value.message_dict["ssn"][0]
    person.ssn = good[:-1]
    with pytest.raises(ValidationError) as caught:
        person.full_clean()
    assert "ssn" in caught.value.message_dict
