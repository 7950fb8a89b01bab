"""The error-summary rule of every form, checked on every response of the suite
(tests/conftest.py hooks it into the test app): a page that marks a field as wrong
starts that form with a focused summary whose links lead to fields that exist."""
import re

FIELD_ERROR = re.compile(r'<p class="error" id="([^"]+)"')
SUMMARY = re.compile(r'<(?:div|p) class="error-summary" id="error-summary"[^>]*>(.*?)</(?:div|p)>',
                     re.S)
LINK = re.compile(r'href="#([^"]+)"')


def problems(html):
    """What is wrong with a page's error summary; empty when the rule holds."""
    first_error = FIELD_ERROR.search(html)
    if first_error is None:
        return []
    summary = SUMMARY.search(html)
    if summary is None:
        return [f"a field error ({first_error.group(1)}) without an error summary"]
    found = []
    if summary.start() > first_error.start():
        found.append("the error summary comes after the first field error")
    if "autofocus" not in html[summary.start():summary.start() + 300]:
        found.append("the error summary is not focused")
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    for target in LINK.findall(summary.group(0)):
        if target not in ids:
            found.append(f"the summary links to #{target}, which is not on the page")
    return found


def check(response):
    if response.mimetype != "text/html" or response.direct_passthrough:
        return
    found = problems(response.get_data(as_text=True))
    assert not found, f"{found}"
