"""Every form that finds mistakes says so at the top: a focused summary with a link to
each field to correct (the pattern of GOV.UK's and Designsystemet's error summary). The
rule is also checked on every response of the whole suite (tests/forms.py)."""
import re

import pytest

from tests.forms import problems
from tests.helpers import text_of

CASES = [
    # (user, url, form data, the field the summary must link to)
    ("rektor", "/consents/new", {"to": "", "deadline": "31.12"}, "to"),
    ("kari", "/account/notifications", {"digest": "99999", "email": "not-an-address"},
     "email"),
    ("admin", "/admin/organisation/staff", {"username": "", "role": ""}, "staff-username"),
    ("admin", "/admin/log", {"reason": ""}, "reason"),
]


@pytest.mark.parametrize("user, url, data, field", CASES)
def test_a_form_with_mistakes_starts_with_a_summary_linking_to_the_fields(
        client, login, user, url, data, field, t):
    login(user)
    response = client.post(url, data=data)
    assert response.status_code in (200, 400, 422), response.status_code
    html = response.get_data(as_text=True)
    assert problems(html) == []
    summary = html[html.index('id="error-summary"'):]
    summary = summary[:summary.index("</div>")]
    assert f'href="#{field}"' in summary
    assert t("There is a problem") in text_of(response)
    assert re.search(rf'\bid="{field}"', html)


def test_the_login_form_summarises_a_wrong_password(client, t):
    response = client.post("/login", data={"username": "kari", "password": "wrong"})
    html = response.get_data(as_text=True)
    assert 'id="error-summary"' in html and "autofocus" in html
    assert html.index('id="error-summary"') < html.index('name="username"')


def test_the_checker_finds_a_field_error_without_summary():
    page = '<form><p class="error" id="x-error">Write it</p><input id="x"></form>'
    assert problems(page) == ["a field error (x-error) without an error summary"]
    page = ('<div class="error-summary" id="error-summary" tabindex="-1" autofocus>'
            '<a href="#y">Write it</a></div><p class="error" id="x-error">Write it</p>')
    assert problems(page) == ["the summary links to #y, which is not on the page"]
