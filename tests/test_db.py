"""The prepared queries the pages use: same answers as peewee, and refusals where a
prepared query would silently answer wrongly."""
import datetime

import peewee
import pytest

from models import db as dbmod
from models.db import Prepared, native_placeholders, today
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


def test_a_long_prepared_query_gives_peewee_s_rows_every_time(app):
    """A rule-sized query (longer than the 4 KB that psycopg caches its own conversion
    for), run more often than psycopg's threshold for preparing it on the server, with
    values that change: the same rows as peewee's own execution each time."""
    def both(conditions):  # nested as a balanced tree: SQLite's parser stack is small
        if len(conditions) == 1:
            return conditions[0]
        return both(conditions[:len(conditions) // 2]) & both(conditions[len(conditions) // 2:])

    def build(day, name):
        condition = both([Child.birth_date > day]
                         + [Child.first_name != f"nobody{n}" for n in range(150)])
        return (Child.select(Child.first_name).where(condition & (Child.first_name != name))
                .order_by(Child.first_name).tuples())
    query = Prepared(build, day=datetime.date, name=str)
    assert len(query._compile()[1]) > 4096
    for n in range(8):
        day = datetime.date(1900, 1, 1) if n % 2 else today() - datetime.timedelta(days=8 * 365)
        name = ("Emma", "Noah")[n % 2]
        rows = query(day=day, name=name)
        assert rows == list(build(day, name)) and rows and (name,) not in rows


def test_native_placeholders():
    assert native_placeholders("SELECT %s, '100%%' WHERE a = %s") == \
        "SELECT $1, '100%' WHERE a = $2"
    assert native_placeholders("SELECT 1") == "SELECT 1"
    assert native_placeholders("SELECT %(name)s") is None
    assert native_placeholders("SELECT '%d'") is None


def test_a_prepared_query_is_planned_once_and_the_others_for_their_values(app):
    """PostgreSQL: a Prepared query becomes a prepared statement with one plan for all
    values (never planned again per call, whatever PostgreSQL would estimate); a query
    planned each time (the message search) and any other query are not prepared: their
    values are in their text."""
    if not isinstance(dbmod.database.obj, peewee.PostgresqlDatabase):
        pytest.skip("server-side prepared statements are PostgreSQL's")
    born_after = Prepared(lambda day: Child.select(Child.first_name)
                          .where(Child.birth_date > day).tuples(), day=datetime.date)
    each_time = Prepared(lambda name: User.select(User.id).where(User.username == name)
                         .tuples(), plan_each_time=True, name=str)
    for n in range(8):
        born_after(day=datetime.date(1990 + n, 1, 1))
        each_time(name=f"nobody{n}")
        Child.select().where(Child.first_name == f"nobody{n}").count()
    statements = dbmod.database.execute_sql(
        "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements").fetchall()
    ours = [(generic, custom) for text, generic, custom in statements
            if '"birth_date" >' in text]
    assert ours and ours[0][0] >= 3 and ours[0][1] == 0, statements
    assert not [text for text, _, _ in statements
                if "nobody" in text or '"username" =' in text or '"first_name" =' in text]
