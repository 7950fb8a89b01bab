"""The role × route matrix every test file uses.

A feature file states, for each of its routes, the status each member of the cast gets:

    ROUTES = Matrix({
        ("GET", "/children/{emma}/absence"): only(SEES_EMMA),
        ("GET", "/children/{emma}/absence", HTMX_MODE): only(SEES_EMMA),
        ("POST", "/children/{emma}/absence"): expect(only(SEES_EMMA, 400), data={"start": ""}),
    })

    @pytest.mark.parametrize("role", ROLES)
    def test_route_matrix(client, login, ids, role):
        ROUTES.check(client, login, role, ids)

URLs are templates filled from tests/cast.demo_ids(). Routes run in the order written, all
for one role on one fresh database, and every mismatch is reported at once.
tests/test_route_coverage.py fails when a route in the app's url_map is in no file's
matrix, so a new route cannot ship without one.
"""
import re
from dataclasses import dataclass, field

from .cast import ANONYMOUS
from .helpers import HTMX

HTMX_MODE = "htmx"


@dataclass(frozen=True)
class Expectation:
    statuses: dict
    data: dict = field(default=None)


def expect(statuses, data=None):
    return Expectation(statuses, data)


def only(roles, yes=200, no=404, anonymous=None):
    """`yes` for the named roles, `no` for every other logged-in role; an anonymous
    visitor is sent to log in (302; 401 for htmx) unless `anonymous` says otherwise."""
    statuses = {role: yes for role in roles}
    statuses["*"] = no
    if anonymous is not None:
        statuses[ANONYMOUS] = anonymous
    return statuses


def everyone(status=200, anonymous=None):
    return only((), no=status, anonymous=anonymous)


def _filled(value, ids):
    if isinstance(value, str) and re.fullmatch(r"\{\w+\}", value):
        return str(ids[value[1:-1]])
    return value


class Matrix:
    def __init__(self, routes):
        self.routes = {}
        for key, value in routes.items():
            method, template, *mode = key
            expectation = value if isinstance(value, Expectation) else Expectation(value)
            self.routes[(method, template, mode[0] if mode else None)] = expectation

    def templates(self):
        """(method, URL template) of every route in the matrix."""
        return [(method, template) for method, template, _ in self.routes]

    def wanted(self, expectation, role, htmx):
        statuses = expectation.statuses
        if role in statuses:
            return statuses[role]
        if role is ANONYMOUS:
            return 401 if htmx else 302
        return statuses["*"]

    def check(self, client, login, role, ids, data=None):
        """Request every route as `role` and assert each status; `data` is the form
        posted where a route names none."""
        if role is not ANONYMOUS:
            login(role)
        wrong = []
        for (method, template, mode), expectation in self.routes.items():
            url = template.format(**ids)
            htmx = mode == HTMX_MODE
            form = expectation.data if expectation.data is not None else data
            if form:  # a value "{kari}" is the id of that demo object
                form = {key: _filled(value, ids) for key, value in form.items()}
            response = client.open(url, method=method,
                                   data=form if method != "GET" else None,
                                   headers=HTMX if htmx else None)
            response.close()
            want = self.wanted(expectation, role, htmx)
            if response.status_code != want:
                wrong.append((method, url, mode, f"got {response.status_code}, want {want}"))
        assert not wrong, (role, wrong)
