import datetime as dt
from decimal import Decimal

import pytest

from rules.parameters import DEFAULTS_FROM, ParameterMissing, install_defaults, param, params, set_param

pytestmark = pytest.mark.django_db


def test_param_returns_the_value_in_force_on_a_date():
    set_param("minimum_wage.monthly", "1000.00", dt.date(2020, 1, 1))
    set_param("minimum_wage.monthly", "1100.50", dt.date(2023, 7, 1))
    set_param("minimum_wage.monthly", "1250.00", dt.date(2025, 1, 1))
    assert param("minimum_wage.monthly", dt.date(2020, 1, 1)) == Decimal("1000.00")
    assert param("minimum_wage.monthly", dt.date(2023, 6, 30)) == Decimal("1000.00")
    assert param("minimum_wage.monthly", dt.date(2023, 7, 1)) == Decimal("1100.50")
    assert param("minimum_wage.monthly", dt.date(2024, 12, 31)) == Decimal("1100.50")
    assert param("minimum_wage.monthly", dt.date(2030, 1, 1)) == Decimal("1250.00")
    assert isinstance(param("minimum_wage.monthly", dt.date(2030, 1, 1)), Decimal)


def test_param_before_any_value_is_missing():
    set_param("survivors.share", "0.50", DEFAULTS_FROM)
    assert param("survivors.share", DEFAULTS_FROM) == Decimal("0.50")
    with pytest.raises(ParameterMissing) as caught:
        param("survivors.share", DEFAULTS_FROM - dt.timedelta(days=1))
    assert caught.value.key == "survivors.share"
    with pytest.raises(ParameterMissing):
        param("no.such.key", dt.date(2020, 1, 1))


def test_params_reads_several_keys_on_one_date_in_one_query(django_assert_num_queries):
    install_defaults()
    set_param("marriage_grant.amount", "1500.00", dt.date(2024, 7, 1))
    keys = ["marriage_grant.amount", "marriage_grant.min_days", "minimum_wage.monthly"]
    with django_assert_num_queries(1):
        before = params(keys, dt.date(2024, 6, 30))
    assert before == {
        "marriage_grant.amount": Decimal("1200.00"),
        "marriage_grant.min_days": Decimal("720"),
        "minimum_wage.monthly": Decimal("1200.00"),
    }
    assert params(keys, dt.date(2024, 7, 1))["marriage_grant.amount"] == Decimal("1500.00")
    with pytest.raises(ParameterMissing):
        params(keys, DEFAULTS_FROM - dt.timedelta(days=1))
    with pytest.raises(ParameterMissing):
        params([*keys, "no.such.key"], dt.date(2024, 7, 1))


def test_set_param_replaces_the_value_of_the_same_date():
    set_param("pension.accrual_rate", "0.015", dt.date(2020, 1, 1))
    set_param("pension.accrual_rate", "0.0175", dt.date(2020, 1, 1))
    assert param("pension.accrual_rate", dt.date(2021, 1, 1)) == Decimal("0.0175")


def test_install_defaults_is_idempotent():
    install_defaults()
    set_param("retirement.age", "67", DEFAULTS_FROM)
    install_defaults()
    assert param("retirement.age", DEFAULTS_FROM) == Decimal("67")
