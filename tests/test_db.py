"""The prepared queries the pages use: same answers as peewee, and refusals where a
prepared query would silently answer wrongly."""
import datetime

import pytest

from models.db import Prepared, today
from models.school.tables import Child, User


def test_prepared_query_substitutes_its_parameters_every_call(app):
    born_after = Prepared(lambda day: Child.select(Child.first_name)
                          .where(Child.birth_date > day).order_by(Child.first_name).tuples(),
                          day=datetime.date)
    everyone = [name for (name,) in born_after(day=datetime.date(1900, 1, 1))]
    assert everyone == ["Ali", "Emma", "Ida", "Jonas", "Noah", "Sara"]
    assert [name for (name,) in born_after(day=today() - datetime.timedelta(days=5 * 365))] \
        == ["Noah"]
    assert born_after(day=today()) == []


def test_prepared_query_with_text_and_models(app, users):
    by_name = Prepared(lambda name: User.select().where(User.username == name), name=str)
    assert by_name(name="kari")[0].first_name == "Kari"
    assert by_name(name="ola")[0].first_name == "Ola"
    assert by_name(name="nobody") == []


def test_a_value_computed_from_a_parameter_is_refused(app):
    derived = Prepared(lambda day: Child.select().where(
        Child.birth_date > day - datetime.timedelta(days=1)), day=datetime.date)
    with pytest.raises(ValueError, match="computed from a parameter"):
        derived(day=today())


def test_a_parameter_that_never_reaches_the_sql_is_refused(app):
    unused = Prepared(lambda user, day: Child.select().where(Child.id == user),
                      user=int, day=datetime.date)
    with pytest.raises(ValueError, match=r"\['day'\] do not reach the SQL"):
        unused(user=1, day=today())
