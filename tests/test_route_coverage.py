"""Every route in the app's url_map is in some file's role × route matrix."""
import importlib
import pkgutil
from collections import defaultdict
from pathlib import Path

from werkzeug.exceptions import MethodNotAllowed, NotFound

from .matrix import Matrix

IGNORED_METHODS = {"HEAD", "OPTIONS"}


class AnyId(dict):
    """Fills every placeholder of a URL template with 1, enough to match its rule."""
    def __missing__(self, key):
        return "1"


def all_matrices():
    here = Path(__file__).parent
    found = []
    for module in pkgutil.iter_modules([str(here)]):
        if module.name.startswith("test_"):
            loaded = importlib.import_module(f"tests.{module.name}")
            found += [(module.name, value) for value in vars(loaded).values()
                      if isinstance(value, Matrix)]
    return found


def uncovered(app):
    """(rule, method) of every route no matrix requests."""
    adapter = app.url_map.bind("localhost")
    covered = defaultdict(set)
    for _, matrix in all_matrices():
        for method, template in matrix.templates():
            path = template.format_map(AnyId()).split("?")[0]
            try:
                rule, _ = adapter.match(path, method=method, return_rule=True)
            except (NotFound, MethodNotAllowed):
                continue  # a matrix may check that a URL is not a route
            covered[rule.rule].add(method)
    return sorted((rule.rule, method) for rule in app.url_map.iter_rules()
                  for method in rule.methods - IGNORED_METHODS
                  if method not in covered[rule.rule])


def test_every_route_is_in_a_role_route_matrix(app):
    missing = uncovered(app)
    assert not missing, f"routes in no role × route matrix: {missing}"


def test_a_new_route_is_noticed(app):
    app.add_url_rule("/an-untested-page/<int:item>", "untested", lambda item: "")
    assert ("/an-untested-page/<int:item>", "GET") in uncovered(app)
