"""Small helpers the test files share."""
import html as htmllib
import os
import re
import uuid
from contextlib import contextmanager

from playhouse.test_utils import count_queries

from models import db as dbmod

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")

HTMX = {"HX-Request": "true", "HX-Target": "main"}


def text_of(response):
    """The visible text of a page, whitespace collapsed, for 'does the user see X'."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())


def queries_for(client, url, **kwargs):
    """The number of SQL statements one request costs."""
    with count_queries() as counter:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, response.status_code
    return counter.count


@contextmanager
def empty_database(directory):
    """The URL of an empty database: an SQLite file in `directory`, or, when
    TEST_DATABASE_URL is set, a PostgreSQL schema of its own, dropped afterwards."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{directory / 'test.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = dbmod.open_database(TEST_DATABASE_URL)
    admin.execute_sql(f'CREATE SCHEMA "{schema}"')
    admin.close()
    admin.close_all()  # psycopg 3 warns of a pooled connection left open
    try:
        yield f"{TEST_DATABASE_URL}?schema={schema}"
    finally:
        dbmod.close_all()
        admin = dbmod.open_database(TEST_DATABASE_URL)
        admin.execute_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()
        admin.close_all()  # psycopg 3 warns of a pooled connection left open
