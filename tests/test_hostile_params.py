"""Hostile input: absurd numbers and dates in every parameter of every route (issue 15,
finding 7). An id no database can hold is a 404; a query or form value out of its range
is a translated 400 (or the form's own error); nothing is a 500, and a refusal leaves
nothing half-written.

The suite finds its own targets: every rule in `url_map`, and every query and form
parameter name the views read (found in views/*.py with the ast module), so a new route
or parameter is covered without anyone adding it here. One app per user, the requests
looped inside the test (a fresh database per request would cost minutes).
"""
import ast
import dataclasses
import datetime
import functools
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from models import access
from models import db as dbmod
from models.notifications import deliveries, sms
from models.posts.tables import Post
from models.school.tables import Guardianship, Unit
from views.common import DATE_MAX, DATE_MIN, ID_MAX, parse_date, parse_number
from views.deliveries import CAP_MAX

from .cast import ANONYMOUS
from .helpers import text_of

ROOT = Path(__file__).resolve().parent.parent
USERS = (ANONYMOUS, "kari", "larer1a", "rektor", "admin")

# Ids no row can have: more than 18 digits (past any 64-bit id), negative, absurdly long
# (int() refuses over 4300 digits); 2**31 is past PostgreSQL's `serial` ids but a valid
# id, so it reaches the query.
IMPOSSIBLE_IDS = ("99999999999999999999", str(2 ** 63), "-1", "9" * 5000)
UNKNOWN_IDS = (str(2 ** 31),)
ABSURD = ("99999999999999999999", "-1", "0", "9999-12-31", "0001-01-01", "2026-02-30",
          "x" * 5000, "\x00", "%00", "NaN", "1e309", "²", str(2 ** 63))
# Form values, sent with every field of the form at once and then field by field: the
# ones that have broken parsers (big numbers, edge dates, digits int() refuses).
FIELD_BY_FIELD = ("99999999999999999999", "9999-12-31", "0001-01-01", "²")

SOURCES = {"request.args": "args", "req.args": "args", "request.values": "values",
           "request.form": "form", "form": "form"}
# A POST that ends this test's session: not fuzzed here (tests/test_auth.py covers it).
SKIP_POST = {"auth.logout"}
# Tables whose rows a refused request may still add: the access log (rule 12 logs a
# staff member opening a child's page, refused form or not) and sessions.
NOT_CONTENT = {"audit_event", "login_session", "schema_migration"}


def _name(node):
    """The parameter name a read asks for: a constant, or an f-string with each
    placeholder as "0" (`tag_{n}` → `tag_0`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "0"
                       for part in node.values)
    return None


def _reads(tree):
    """(kind, name node) for each `.get(x)`, `.getlist(x)` and `[x]` of a request's
    args, form or values, and each helper given them: `number_from(request.args, x)`."""
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("get", "getlist") and node.args):
            source, name = ast.unparse(node.func.value), node.args[0]
        elif (isinstance(node, ast.Call) and len(node.args) >= 2
              and ast.unparse(node.args[0]).startswith("request.")):
            source, name = ast.unparse(node.args[0]), node.args[1]
        elif isinstance(node, ast.Subscript):
            source, name = ast.unparse(node.value), node.slice
        else:
            continue
        kind = SOURCES.get(source)
        # `form[...]` is a view's dict of values already read; `form.get` may be either
        if kind and not (source == "form" and isinstance(node, ast.Subscript)):
            yield kind, name


def _functions(tree):
    return {node.name: node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def _imported_functions(tree, modules):
    """The functions of other view modules this module calls: `forms.read_report` for
    `from views import absence_forms as forms`, `read_request` for `from
    views.caregivers_forms import read_request` (the form reading moved there)."""
    found = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        for alias in node.names:
            if node.module == "views" and alias.name in modules:
                for name, function in modules[alias.name].items():
                    found[f"{alias.asname or alias.name}.{name}"] = function
                    found.setdefault(name, function)  # its own calls inside it
            elif (node.module or "").startswith("views."):
                module = modules.get(node.module.partition(".")[2], {})
                if alias.name in module:
                    found[alias.asname or alias.name] = module[alias.name]
                    for name, function in module.items():
                        found.setdefault(name, function)
    return found


def _call_name(call):
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
        return f"{call.func.value.id}.{call.func.attr}"
    return None


def _constants(tree):
    """Module-level tuples and lists of strings (`REPORT_FIELDS = ("start", …)`), which
    a loop over form fields may name instead of spelling them out."""
    found = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, (ast.Tuple, ast.List))):
            found[node.targets[0].id] = {_name(e) for e in node.value.elts if _name(e)}
    return found


def _module_reads(tree, imported=None, constants=None):
    """{function name: {"args", "form", "values": names}} for one module, each
    function with what the functions it calls read (transitively, into the view modules
    it imports), and with the names given to a helper that reads the name it is given
    (`_minute("digest")` reading `request.form.get(name)`) and the names a loop feeds a
    read (`for name in ("start", "end")`)."""
    own = _functions(tree)
    functions = {**(imported or {}), **own}
    readers = {}  # helper → [(argument position, kind)]
    for name, function in functions.items():
        arguments = [a.arg for a in function.args.args]
        for kind, read in _reads(function):
            if isinstance(read, ast.Name) and read.id in arguments:
                readers.setdefault(name, []).append((arguments.index(read.id), kind))
    direct, calls = {}, {}
    for name, function in functions.items():
        found = direct[name] = {"args": set(), "form": set(), "values": set()}
        looped = {}
        for loop in ast.walk(function):
            if (isinstance(loop, (ast.For, ast.comprehension))
                    and isinstance(loop.target, ast.Name)
                    and isinstance(loop.iter, (ast.Tuple, ast.List))):
                looped.setdefault(loop.target.id, set()).update(
                    _name(e) for e in loop.iter.elts if _name(e))
            elif (isinstance(loop, (ast.For, ast.comprehension))
                    and isinstance(loop.target, ast.Name)
                    and isinstance(loop.iter, ast.Name)):
                looped.setdefault(loop.target.id, set()).update(
                    (constants or {}).get(loop.iter.id, ()))
        for kind, read in _reads(function):
            if _name(read) is not None:
                found[kind].add(_name(read))
            elif isinstance(read, ast.Name):
                found[kind] |= looped.get(read.id, set())
        calls[name] = set()
        for call in ast.walk(function):
            called = _call_name(call) if isinstance(call, ast.Call) else None
            if called is not None:
                calls[name].add(called)
                for position, kind in readers.get(called, ()):
                    if position < len(call.args) and _name(call.args[position]):
                        found[kind].add(_name(call.args[position]))
    result = {}
    for name in own:
        seen, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current in seen or current not in functions:
                continue
            seen.add(current)
            todo.extend(calls[current])
        merged = {kind: set().union(*(direct[f][kind] for f in seen))
                  for kind in ("args", "form", "values")}
        values = merged.pop("values")
        result[name] = {"args": merged["args"] | values, "form": merged["form"] | values}
    return result


@functools.cache
def read_parameters():
    """{(view module, function): {"args": names, "form": names}} for every
    request.args / .form / .values a view reads, itself or through its module's
    helpers: `.get(x)`, `.getlist(x)`, `[x]`, `number_from(request.args, x)`."""
    trees = {path.stem: ast.parse(path.read_text(encoding="utf-8"))
             for path in sorted((ROOT / "views").glob("*.py"))}
    modules = {stem: _functions(tree) for stem, tree in trees.items()}
    constants = {}
    for tree in trees.values():
        constants.update(_constants(tree))
    found = {}
    for stem, tree in trees.items():
        imported = _imported_functions(tree, modules)
        for function, names in _module_reads(tree, imported, constants).items():
            found[stem, function] = names
    return found


def test_the_scan_finds_the_known_parameters():
    """The scan is what the rest relies on: it must see the reads that broke."""
    found = read_parameters()
    assert {"page", "group"} <= found["messages", "index"]["args"]
    assert "day" in found["absence", "group_day"]["args"]
    assert {"start", "end", "reason"} <= found["absence", "report"]["form"]
    assert {"group", "child", "tag_0"} <= found["posts", "new"]["form"]
    assert {"cap"} <= found["deliveries", "sms_cap"]["form"]
    assert {"digest", "quiet_from", "email"} <= found["notifications", "settings"]["form"]


def parameters(app, endpoint, kind):
    view = app.view_functions[endpoint]
    module = view.__module__.rpartition(".")[2]
    return sorted(read_parameters().get((module, view.__name__), {}).get(kind, ()))


def _first(query):
    row = query.order_by(query.model.id).first()
    return row.id if row else 1


def demo_ids(user):
    """The ids a concrete URL (and a form's id fields) use for this user: the first
    child, group, thread and post they can see and that child's first guardian, 1 for
    anything else."""
    if user is None:
        return {}
    child = _first(access.children(user))
    guardian = (Guardianship.select(Guardianship.guardian)
                .where(Guardianship.child == child).order_by(Guardianship.id).first())
    return {"child_id": child, "group_id": _first(access.groups(user)),
            "thread_id": _first(access.threads(user)), "post_id": _first(Post.select()),
            "guardian_id": guardian.guardian_id if guardian else 1}


def with_ids(names, ids):
    """The parameters among `names` named like a demo id (`group` → group_id), filled."""
    return {name: ids[f"{name}_id"] for name in names if f"{name}_id" in ids}


_PLACEHOLDER = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


def concrete(rule, ids, override=None):
    """The rule's URL with each placeholder filled: `override(converter, name)` first,
    then the user's demo ids, 1 for other numbers, the first choice of an any()."""
    def fill(match):
        converter, arguments, name = match.groups()
        value = override(converter, name) if override else None
        if value is not None:
            return value
        if converter == "int":
            return str(ids.get(name, 1))
        if converter == "any":
            return arguments.split(",")[0].strip()
        if converter == "path":
            return "css/app.css"
        return "demo"
    return _PLACEHOLDER.sub(fill, rule.rule)


def methods(rule):
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def request(client, method, url, **kwargs):
    """The status, or the exception's name (the test app propagates server errors)."""
    try:
        with client.open(url, method=method, **kwargs) as response:
            return response.status_code
    except Exception as exc:  # noqa: BLE001 — any exception here is the 500 under test
        return f"{type(exc).__name__}: {str(exc)[:80]}"


def report(failures):
    return f"{len(failures)} failures:\n" + "\n".join(repr(f) for f in failures[:60])


def as_user(client, login, username):
    client.delete_cookie("kontaktbok")
    return login(username) if username else None


@pytest.mark.parametrize("username", USERS)
def test_impossible_ids_in_any_route_are_not_found(app, client, login, username):
    """Every int placeholder of every route, as every method: an id no row can have is
    404 (before login too, as for any unknown address); a valid but unknown one never
    a 500."""
    user = as_user(client, login, username)
    ids = demo_ids(user)
    failures = []
    for rule in app.url_map.iter_rules():
        if not any(kind in rule.rule for kind in ("<int:", "<path:")):
            continue
        for value in IMPOSSIBLE_IDS + UNKNOWN_IDS:
            url = concrete(rule, ids, lambda converter, name, value=value:
                           value if converter in ("int", "path") else None)
            impossible = value in IMPOSSIBLE_IDS and "<int:" in rule.rule
            for method in methods(rule):
                status = request(client, method, url)
                if impossible and status != 404:
                    failures.append((method, url[:80], status))
                elif not isinstance(status, int) or status >= 500:
                    failures.append((method, url[:80], status))
    assert not failures, report(failures)


def _english_messages():
    """Source texts the nb catalogue translates (long enough not to be a name)."""
    with open(ROOT / "translations/nb/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh)
    return [m.id for m in catalog if isinstance(m.id, str) and m.string
            and m.string != m.id and len(m.id) >= 20]


def _english_on(response, english):
    text = text_of(response)
    return [source for source in english if source in text]


def _reached(client, url, query):
    """The query that reaches the page (with the user's demo ids for parameters named
    like them, else none), or None when the user does not reach it."""
    for tried in (query, {}):
        if request(client, "GET", url, query_string=tried) == 200:
            return tried
    return None


@pytest.mark.parametrize("username", USERS)
def test_absurd_query_values_are_refused_in_the_users_language(app, client, login, t,
                                                               username):
    """Each query parameter a view reads, on every GET route of that view the user
    reaches, with each absurd value: below 500, and a 400 is the translated error page."""
    user = as_user(client, login, username)
    ids = demo_ids(user)
    english = _english_messages()
    refused_title = t("Something was wrong with what was sent")
    failures, tried = [], 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        names = parameters(app, rule.endpoint, "args")
        url = concrete(rule, ids)
        query = _reached(client, url, with_ids(names, ids)) if names else None
        if query is None:
            continue  # a page the user does not reach never reads its parameters
        for name in names:
            for value in ABSURD:
                tried += 1
                try:
                    response = client.get(url, query_string={**query, name: value})
                except Exception as exc:  # noqa: BLE001
                    failures.append((url, name, value[:20], type(exc).__name__))
                    continue
                response.close()  # a file's response holds the file open
                if response.status_code >= 500:
                    failures.append((url, name, value[:20], response.status_code))
                elif response.status_code == 400 and (
                        refused_title not in text_of(response)
                        or _english_on(response, english)):
                    failures.append((url, name, value[:20], "untranslated 400"))
    assert not failures, report(failures)
    assert tried or username is None


def _counts():
    """Rows per content table, in one query."""
    tables = [name for name in dbmod.database.get_tables() if name not in NOT_CONTENT]
    sql = "SELECT " + ", ".join(f'(SELECT COUNT(*) FROM "{name}")' for name in tables)
    return dict(zip(tables, dbmod.database.execute_sql(sql).fetchone()))


@pytest.mark.parametrize("username", USERS[1:])
def test_absurd_form_values_are_refused_whole(app, client, login, username):
    """Every POST route the user reaches, with every form field its view reads set to
    each absurd value (all at once, then field by field for the values that break
    parsers): below 500; a refusal (4xx) writes nothing and speaks the user's language."""
    user = as_user(client, login, username)
    ids = demo_ids(user)
    english = _english_messages()
    failures, tried = [], 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "POST" not in rule.methods or rule.endpoint in SKIP_POST:
            continue
        url = concrete(rule, ids)
        names = parameters(app, rule.endpoint, "form")
        valid = with_ids(names, ids)
        if request(client, "POST", url, data=valid) in (403, 404, 405):
            continue  # not this user's form: refused before any field is read
        forms = [{name: value for name in names} for value in ABSURD] if names else [{}]
        forms += [{**valid, name: value} for name in names for value in FIELD_BY_FIELD]
        before = _counts()
        for form in forms:
            tried += 1
            try:
                response = client.post(url, data=form)
            except Exception as exc:  # noqa: BLE001
                failures.append((url, sorted(form)[:3], type(exc).__name__, str(exc)[:60]))
                before = _counts()
                continue
            response.close()
            status, after = response.status_code, _counts()
            if status >= 500:
                failures.append((url, sorted(form)[:3], status))
            elif 400 <= status < 500:
                changed = {k: v for k, v in after.items() if before[k] != v}
                if changed:
                    failures.append((url, sorted(form)[:3], status, "wrote", changed))
                if status == 400 and _english_on(response, english):
                    failures.append((url, sorted(form)[:3], "untranslated",
                                     _english_on(response, english)[:2]))
            before = after
    assert not failures, report(failures)
    assert tried


# The findings as reported, one by one ------------------------------------------------------

def test_the_reported_addresses_are_404_or_a_translated_400(client, login, t):
    login("kari")
    for url in ("/messages/99999999999999999999", f"/posts/{2 ** 63}",
                "/children/99999999999999999999/absence", f"/children/{'9' * 5000}/absence"):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url  # not 405: no route matches
    for url in ("/messages/?page=99999999999999999999", "/messages/?page=-1",
                "/posts/?before=99999999999999999999"):
        response = client.get(url)
        assert response.status_code == 400, url
        page = text_of(response)
        assert t("Something was wrong with what was sent") in page
        assert t("A number in the address or the form is not one this page can use. Go "
                 "back and try again.") in page


def test_parsing_numbers_and_dates():
    assert [parse_number(v) for v in ("12", " 12 ", "0", str(ID_MAX))] == [12, 12, 0, ID_MAX]
    # digits int() reads or isdigit() accepts but no form writes: refused, not a 500
    for text in ("²", "١٢", "+5", "-1", "1_000", "1e3", "NaN", str(ID_MAX + 1), "9" * 5000,
                 "", None, "12\x00"):
        assert parse_number(text) is None, text
    assert parse_number("2101", 2000, 2100) is None
    assert parse_date("2026-02-28") == datetime.date(2026, 2, 28)
    assert parse_date(DATE_MIN.isoformat()) == DATE_MIN
    assert parse_date(DATE_MAX.isoformat()) == DATE_MAX
    for text in ("2026-02-30", "9999-12-31", "0001-01-01", "1899-12-31", "2200-01-01",
                 "20260228", "2026-W09-6", "x" * 5000, "", None):
        assert parse_date(text) is None, text
    # the window keeps a day's neighbours and a year either side computable
    assert DATE_MIN - datetime.timedelta(days=366) > datetime.date.min
    assert DATE_MAX + datetime.timedelta(days=366) < datetime.date.max


def test_a_nul_character_is_refused_before_anything_is_written(client, login, t):
    """PostgreSQL cannot store NUL (its driver raised: a 500); SQLite stored it."""
    login("admin")
    unit = Unit.select().order_by(Unit.id).first()
    response = client.post(f"/admin/organisation/units/{unit.id}/rename",
                           data={"name": "Ny\x00skole"})
    assert response.status_code == 400
    assert t("Go back, check what you entered and try again.") in text_of(response)
    assert Unit.get_by_id(unit.id).name == unit.name


def test_the_sms_cap_refuses_a_digit_that_is_not_a_number(app, client, login, t):
    """"²" passed isdigit() and then failed int(): a 500."""
    app.config["MUNICIPALITY"] = dataclasses.replace(
        app.config["MUNICIPALITY"], sms=sms.Settings(
            provider="46elks", username="u", password="p", sender="Demo",
            url="http://127.0.0.1:9", monthly_cap=2))
    login("admin")
    for typed in ("²", "99999999999999999999"):
        response = client.post("/admin/notifications/sms-cap", data={"cap": typed})
        assert response.status_code == 400
        assert t("Write a whole number from 0 to %(max)d.", max=CAP_MAX) in text_of(response)
    assert deliveries.sms_cap(2) == 2
