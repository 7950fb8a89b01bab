"""Every user-facing string is translated into every interface language (languages.py),
each plural by the language's own CLDR rule, and the catalogue is up to date with the
code."""
import ast
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.checkers import TranslationError, python_format
from babel import Locale
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from languages import NAMES

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = tuple(NAMES)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def extract_options():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    line = re.search(r"^EXTRACT_OPTS := (.+)$", makefile, re.M).group(1)
    return shlex.split(line)


def read(path, locale=None):
    with open(path, "rb") as fh:
        return read_po(fh, locale=locale)


def ids(catalog):
    return {m.id for m in catalog if m.id}


def test_catalogue_template_is_up_to_date_with_the_code(tmp_path):
    fresh = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract",
                    *extract_options(), "-o", str(fresh), "."],
                   cwd=ROOT, check=True, capture_output=True)
    committed = read(ROOT / "translations" / "messages.pot")
    extracted = read(fresh)
    missing = ids(extracted) - ids(committed)
    stale = ids(committed) - ids(extracted)
    assert not missing and not stale, (
        f"run `make extract` and translate: new {sorted(map(str, missing))}, "
        f"gone {sorted(map(str, stale))}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated(language):
    template = read(ROOT / "translations" / "messages.pot")
    catalog = read(ROOT / "translations" / language / "LC_MESSAGES" / "messages.po", language)
    assert ids(template) == ids(catalog), f"{language}: run `make extract`"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        targets = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(t and t.strip() for t in targets):
            problems.append(f"missing: {message.id!r}")
            continue
        try:
            python_format(catalog, message)  # a stray % would break the page
        except TranslationError as exc:
            problems.append(f"format: {message.id!r}: {exc}")
        wanted = set(PLACEHOLDER.findall(sources[-1]))
        for target in targets:
            if set(PLACEHOLDER.findall(target)) != wanted:
                problems.append(f"placeholders differ: {message.id!r} → {target!r}")
    assert not problems, f"{language}:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_is_current(language):
    po = ROOT / "translations" / language / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, (
        "run `make translations` (make run and make test do it)")


def _recorded_events():
    """The audit events the code records: the first argument of every `….record("…")`."""
    found = set()
    paths = [ROOT / "app.py", ROOT / "cli.py", *sorted((ROOT / "models").rglob("*.py")),
             *sorted((ROOT / "views").rglob("*.py"))]
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "record" and node.args
                    and isinstance(node.args[0], ast.Constant)):
                found.add(node.args[0].value)
    return found


def test_every_audit_event_is_named_in_words():
    """The administrator's access log and 7-day summary name each event in the page's
    language; an event the code records without a name would show as its key."""
    from views.labels import AUDIT_EVENT_NAMES
    recorded = _recorded_events()
    assert "notifications.chosen" in recorded and "login" in recorded
    assert sorted(recorded - set(AUDIT_EVENT_NAMES)) == []


def test_every_language_has_a_catalogue_and_a_makefile_entry():
    """Adding a language is its line in languages.py and its catalogue: `make extract`
    must update it and `make translations` compile it."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    listed = re.search(r"^LANGS := (.+)$", makefile, re.M).group(1).split()
    assert sorted(listed) == sorted(LANGUAGES)
    on_disk = {path.parent.parent.name
               for path in (ROOT / "translations").glob("*/LC_MESSAGES/messages.po")}
    assert on_disk == set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_plural_rule_is_the_languages_own(language):
    """The catalogue's Plural-Forms is CLDR's rule for the language, as Babel has it
    (Arabic six forms, Polish and Ukrainian three, Northern Sámi three with a dual):
    a catalogue with another rule would pick the wrong form for some counts."""
    catalog = read(ROOT / "translations" / language / "LC_MESSAGES" / "messages.po", language)
    rule = get_plural(language)
    assert catalog.num_plurals == rule.num_plurals
    header = dict(catalog.mime_headers)["Plural-Forms"].replace(" ", "")
    assert header == f"nplurals={rule.num_plurals};plural={rule.plural_expr};".replace(" ", "")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_plural_message_renders_for_0_1_2_5_11_and_21(language):
    """Each count reads right in each language: the form the language's plural rule
    picks for 0, 1, 2, 5, 11 and 21 (each a different form somewhere: Arabic's zero,
    two, few and many, Polish and Ukrainian 21) is translated, shows the number and fills
    every placeholder; counts the rule puts in different categories get different
    forms wherever the English has a placeholder-free difference to show."""
    from babel.support import Translations
    with open(ROOT / "translations" / language / "LC_MESSAGES" / "messages.mo", "rb") as fh:
        translations = Translations(fh)
    catalog = read(ROOT / "translations" / language / "LC_MESSAGES" / "messages.po", language)
    plurals = [m for m in catalog if isinstance(m.id, tuple)]
    assert plurals
    # The form each count takes is CLDR's category for it, in CLDR's order of forms.
    locale = Locale.parse(language)
    order = [tag for tag in ("zero", "one", "two", "few", "many")
             if tag in locale.plural_form.tags] + ["other"]
    for n in (0, 1, 2, 5, 11, 21):
        assert translations.plural(n) == order.index(locale.plural_form(n)), n
    problems = []
    for message in plurals:
        singular, plural = message.id[:2]
        names = set(PLACEHOLDER.findall(singular)) | set(PLACEHOLDER.findall(plural))
        for n in (0, 1, 2, 5, 11, 21):
            values = {name: n if name == "num" else 7 for name in names}
            try:
                text = translations.ungettext(singular, plural, n) % values
            except (KeyError, TypeError, ValueError) as error:
                problems.append(f"{singular!r} with {n}: {error!r}")
                continue
            if "num" in names and str(n) not in text:
                problems.append(f"{singular!r} with {n}: no number in {text!r}")
            if text in (singular % values, plural % values) and language != "en":
                problems.append(f"{singular!r} with {n}: untranslated")
    assert problems == []


def test_label_tables_are_kept_per_table_not_per_name(app):
    """Two pages pass different tables under one name (`status_names`: the consents'
    and the register's): each page gets its own labels, whichever came first (the
    register showed empty buttons after a consent page had been seen)."""
    from flask_babel import lazy_gettext
    from views.labels import translated
    first = {"given": lazy_gettext("Given")}
    second = {"present": lazy_gettext("Present"), "absent": lazy_gettext("Absent")}
    with app.test_request_context():
        assert translated(status_names=first)["status_names"].keys() == {"given"}
        assert translated(status_names=second)["status_names"].keys() == {"present",
                                                                        "absent"}
