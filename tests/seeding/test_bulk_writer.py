"""The bulk writer keeps every value as given: NULL apart from empty text, quotes, separators,
line breaks, backslashes, JSON text, dates and Decimals."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from viewflow.workflow.models import Process

from cases.seeding import EMPTY_JSON, PERSON_TABLE, BulkWriter, _viewflow_tables
from registry.models import Person
from registry.ssn import make_ssn

AWKWARD = 'a,"b"\n\tc\\d \\N ;\r'


@pytest.mark.django_db
def test_rows_come_back_as_written(org):
    writer = BulkWriter(connection.vendor)
    person_id, other_id = writer.reserve_ids(PERSON_TABLE, 2)
    at = timezone.now().replace(microsecond=123456)
    rows = [
        (person_id, make_ssn(900_000_001), AWKWARD, "", dt.date(1970, 1, 2), "F", None, "", "", at, org.north_a.pk),
        (
            other_id,
            make_ssn(900_000_002),
            "\\N",
            "NULL",
            dt.date(1980, 3, 4),
            "M",
            dt.date(2024, 5, 6),
            "x@example.org",
            "07 1",
            at,
            org.south_b.pk,
        ),
    ]
    process_t, _task_t = _viewflow_tables()
    (process_id,) = writer.reserve_ids(process_t, 1)
    data = '{"note": "' + 'quote \\" comma , tab \\t' + '", "n": 1}'
    writer.load(PERSON_TABLE, writer.encode(PERSON_TABLE, rows))
    writer.load(
        process_t, writer.encode(process_t, [(process_id, "workflows/flows.BenefitClaimFlow", "NEW", at, None, data)])
    )

    first = Person.objects.get(pk=person_id)
    assert (first.first_name, first.last_name, first.death_date, first.email, first.phone) == (
        AWKWARD,
        "",
        None,
        "",
        "",
    )
    assert first.created_at == at and first.birth_date == dt.date(1970, 1, 2)
    second = Person.objects.get(pk=other_id)
    assert (second.first_name, second.last_name, second.death_date) == ("\\N", "NULL", dt.date(2024, 5, 6))
    process = Process.objects.get(pk=process_id)
    assert process.data == {"note": 'quote " comma , tab \t', "n": 1} and process.finished is None
    assert EMPTY_JSON == "{}"


@pytest.mark.django_db
def test_reserved_ids_are_new_and_distinct(org):
    writer = BulkWriter(connection.vendor)
    first = writer.reserve_ids(PERSON_TABLE, 3)
    assert len(set(first)) == 3
    assert writer.reserve_ids(PERSON_TABLE, 0) == []
    assert Decimal(len(first)) == 3
