"""Factories for tests. Org units, roles and cases are made through the real services."""

import datetime as dt
import itertools
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from registry.models import BankAccount, ContributionEntry, Employer, Person
from registry.ssn import make_ssn

_serial = itertools.count(100_000_001)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employer

    registration_number = factory.Sequence(lambda n: f"EMP{n:06d}")
    name = factory.Sequence(lambda n: f"Employer {n}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    ssn = factory.LazyFunction(lambda: make_ssn(next(_serial)))
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    birth_date = dt.date(1985, 4, 12)
    sex = "F"
    email = factory.LazyAttribute(lambda p: f"{p.ssn}@example.org")


def add_contributions(person, *, start, months, days=30, wage=Decimal("2000.00"), employer=None):
    """``months`` consecutive months of contributions from ``start`` (bulk insert)."""
    entries = []
    year, month = start.year, start.month
    for _ in range(months):
        entries.append(
            ContributionEntry(
                person=person,
                employer=employer,
                period=dt.date(year, month, 1),
                days=days,
                insurable_earnings=wage,
                pension=(wage * Decimal("0.10")).quantize(Decimal("0.01")),
                health=(wage * Decimal("0.05")).quantize(Decimal("0.01")),
            )
        )
        month += 1
        if month == 13:
            year, month = year + 1, 1
    ContributionEntry.objects.bulk_create(entries)


def add_bank_account(person, verified=True):
    return BankAccount.objects.create(
        person=person,
        iban=f"XX00SOC{person.ssn}",
        holder=person.full_name,
        verified=verified,
        valid_from=dt.date(2000, 1, 1),
    )
