"""Small helpers the test files share."""
import re

from playhouse.test_utils import count_queries

HTMX = {"HX-Request": "true", "HX-Target": "main"}


def text_of(response):
    """The visible text of a page, whitespace collapsed, for 'does the user see X'."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def queries_for(client, url, **kwargs):
    """The number of SQL statements one request costs."""
    with count_queries() as counter:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, response.status_code
    return counter.count
