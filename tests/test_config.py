"""Start-up configuration: environment variables, secrets, production safety, and the
municipality file's errors that name the key."""
import re
from dataclasses import replace
from pathlib import Path

import pytest

import municipality
from app import StartupError
from municipality import ConfigError, contrast_ratio

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = (ROOT / "municipality.example.toml").read_text(encoding="utf-8")


def write_config(tmp_path, text):
    path = tmp_path / "municipality.toml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "static" / "img").mkdir(parents=True, exist_ok=True)
    (tmp_path / "static" / "img" / "demo-crest.svg").write_bytes(
        (ROOT / "static" / "img" / "demo-crest.svg").read_bytes())
    return path


def test_the_example_file_is_the_demo_municipality():
    config = municipality.load(ROOT / "municipality.example.toml")
    assert config.name == "Demo kommune"
    assert config.country == "NO" and config.default_language == "nb"
    assert config.languages == ("nb", "nn", "sv", "se", "en", "pl", "uk", "ar", "so")
    # Staff write consents and events in these; the others read the default's text.
    assert config.written_languages == ("nb", "nn", "sv")
    assert config.translation is None  # no machine translation unless set up
    assert config.demo is True
    assert config.retention["documentation_years"] == 5
    assert config.logo.mimetype == "image/svg+xml"
    assert config.pupil_consent_age is None  # guardians answer, unless switched on


@pytest.mark.parametrize("old, new, message", [
    ('country = "NO"', 'country = "DK"', "municipality.country: 'DK' must be one of NO, SE"),
    ('primary = "#1f4e79"', 'primary = "blue"', "colours.primary: 'blue' is not a colour"),
    ('primary = "#1f4e79"', 'primary = "#eeeeee"', "colours.primary_text: contrast"),
    ('default = "nb"', 'default = "da"', "languages.default: 'da' is not among"),
    ('enabled = ["nb", "nn", "sv", "se", "en", "pl", "uk", "ar", "so"]',
     'enabled = ["nb", "fi"]', "languages.enabled: 'fi'"),
    ('written = ["nb", "nn", "sv"]', 'written = ["nb", "da"]',
     "languages.written: 'da' is not among languages.enabled"),
    ('# [translation]\n# url = "http://translate.internal:5000"',
     '[translation]\nurl = "ftp://translate.internal"',
     "translation.url: 'ftp://translate.internal' must be an http:// or https://"),
    ('# [translation]\n# url = "http://translate.internal:5000"',
     '[translation]\nurl = "http://translate.internal:5000"\ntimeout_seconds = 0',
     "translation.timeout_seconds: must be from 1 to 120 seconds"),
    ('# [translation]\n# url = "http://translate.internal:5000"',
     '[translation]\nurl = "http://translate.internal:5000"\nlanguages = ["nb", "fi"]',
     "translation.languages: 'fi' is not one of the interface's languages"),
    ('privacy_statement = "https://demo.kommune.no/personvern"',
     'privacy_statement = "http://demo.kommune.no/personvern"',
     "links.privacy_statement: 'http://demo.kommune.no/personvern' must be an https://"),
    ('documentation_years = 5', 'documentation_years = 0', "retention.documentation_years"),
    ('documentation_years = 5', 'documentation_years = "five"',
     "retention.documentation_years: must be a whole number"),
    ('name = "Demo kommune"', 'name = ""', "municipality.name: must not be empty"),
    ('phone = "+47 22 00 00 00"\n', '', "contact.phone: is missing"),
    ('logo = "static/img/demo-crest.svg"', 'logo = "crest.gif"', "municipality.logo"),
    ('link = "#1a4f8b"', 'link = "#aaaaaa"', "colours.link: contrast"),
    ('primary = "#1f4e79"\nprimary_text = "#ffffff"', 'primary = "#f2c300"\nprimary_text = "#000000"',
     "colours.primary: contrast with the white page"),
    ('accent = "#f2c300"', 'accent = "#555555"', "colours.accent: contrast"),
    ('documentation_years = 5', 'documentation_year = 5',
     "retention.documentation_year: unknown key"),
    ('[links]', '[link]', "link: unknown section"),
    ('pupils_answer_from_age = 0', 'pupils_answer_from_age = 12',
     "consents.pupils_answer_from_age: must be an age from 13 to 18"),
])
def test_invalid_municipality_file_names_the_key_and_problem(tmp_path, old, new, message):
    assert old in EXAMPLE
    path = write_config(tmp_path, EXAMPLE.replace(old, new))
    with pytest.raises(ConfigError, match=re.escape(message)):
        municipality.load(path)


def test_broken_toml_is_reported_with_the_file(tmp_path):
    path = write_config(tmp_path, "[municipality\nname=")
    with pytest.raises(ConfigError, match="not valid TOML"):
        municipality.load(path)


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        municipality.load(tmp_path / "nope.toml")


def test_contrast_ratio_matches_wcag():
    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast_ratio("#777777", "#ffffff"), 2) == 4.48


def test_app_refuses_a_bad_municipality_file(make_app, tmp_path):
    path = write_config(tmp_path, EXAMPLE.replace('country = "NO"', 'country = "XX"'))
    with pytest.raises(StartupError, match="municipality.country"):
        make_app(MUNICIPALITY_FILE=str(path))


def test_municipality_file_from_environment(make_app, tmp_path, monkeypatch):
    path = write_config(tmp_path, EXAMPLE.replace('name = "Demo kommune"',
                                                  'name = "Testby kommune"'))
    monkeypatch.setenv("MUNICIPALITY_FILE", str(path))
    app = make_app()
    assert app.config["MUNICIPALITY"].name == "Testby kommune"


REAL = replace(municipality.load(ROOT / "municipality.example.toml"), demo=False)
PRODUCTION = {"MODE": "production", "PUBLIC_URL": "https://kontaktbok.example.no",
              "SECRET_KEY": "x" * 40, "DEBUG": False, "MUNICIPALITY": REAL}


def test_demo_mode_refuses_a_real_municipality_file(make_app):
    """Forgetting KONTAKTBOK_ENV=production must not skip the production checks."""
    with pytest.raises(StartupError, match="set KONTAKTBOK_ENV=production"):
        make_app(MUNICIPALITY=REAL)


def test_production_refuses_the_demo_municipality_file(make_app):
    with pytest.raises(StartupError, match="municipality.demo = true"):
        make_app(**{**PRODUCTION, "MUNICIPALITY": None})


def test_production_starts_when_safe(make_app):
    app = make_app(**PRODUCTION)
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("override, message", [
    ({"SECRET_KEY": None}, "SECRET_KEY"),
    ({"SECRET_KEY": "short"}, "at least 32"),
    ({"DEBUG": True}, "DEBUG must be off"),
    ({"PUBLIC_URL": "http://kontaktbok.example.no"}, "PUBLIC_URL must be the https://"),
    ({"PUBLIC_URL": ""}, "PUBLIC_URL"),
])
def test_production_refuses_unsafe_settings(make_app, override, message):
    with pytest.raises(StartupError, match=re.escape(message)):
        make_app(**{**PRODUCTION, **override})


def test_environment_variables_are_typed_and_checked(make_app, monkeypatch):
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "half an hour")
    with pytest.raises(StartupError, match="SESSION_IDLE_MINUTES: 'half an hour' is not a whole"):
        make_app()
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "10")
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(StartupError, match="DEBUG: 'maybe' is not true or false"):
        make_app()


def test_unknown_mode_is_refused(make_app, monkeypatch):
    monkeypatch.setenv("KONTAKTBOK_ENV", "staging")
    with pytest.raises(StartupError, match="KONTAKTBOK_ENV"):
        make_app()


def test_secret_key_from_a_file(make_app, tmp_path, monkeypatch):
    secret = tmp_path / "secret"
    secret.write_text("s" * 48 + "\n")
    monkeypatch.setenv("SECRET_KEY_FILE", str(secret))
    app = make_app(SECRET_KEY=None)
    assert app.config["SECRET_KEY"] == "s" * 48


def test_secret_key_and_file_together_are_refused(make_app, tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a" * 40)
    monkeypatch.setenv("SECRET_KEY_FILE", str(tmp_path / "x"))
    with pytest.raises(StartupError, match="both set"):
        make_app(SECRET_KEY=None)


def test_demo_mode_generates_a_secret_once_and_keeps_it(make_app, tmp_path):
    first = make_app(SECRET_KEY=None).config["SECRET_KEY"]
    second = make_app(SECRET_KEY=None).config["SECRET_KEY"]
    assert first == second and len(first) >= 48
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.read_text().strip() == first
    assert oct(key_file.stat().st_mode)[-3:] == "600"


def test_unsupported_database_url_is_refused(make_app):
    with pytest.raises(StartupError, match="unsupported database 'mysql'"):
        make_app(DATABASE_URL="mysql://root@localhost/x")


def test_the_first_administrator_is_made_on_the_command_line(app, client):
    from models.audit import AuditEvent
    from models.school.tables import StaffRole, User
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "Kommune-IT", "--first-name", "Ida",
                                 "--last-name", "IT"], input="a long enough secret\n" * 2)
    assert result.exit_code == 0, result.output
    user = User.get(User.username == "kommune-it")
    assert StaffRole.get(StaffRole.user == user).role == "administrator"
    assert AuditEvent.select().where(AuditEvent.action == "account.created").exists()
    logged_in = client.post("/login", data={"username": "kommune-it",
                                            "password": "a long enough secret"})
    assert logged_in.status_code == 302
    assert client.get("/admin/").status_code == 200

    again = runner.invoke(args=["create-admin", "kommune-it", "--first-name", "A",
                                "--last-name", "B", "--password", "another long one"])
    assert again.exit_code != 0 and "exists already" in again.output
    short = runner.invoke(args=["create-admin", "x", "--first-name", "A", "--last-name", "B",
                                "--password", "short"])
    assert short.exit_code != 0 and "12 characters" in short.output


def test_migrate_leaves_the_query_planner_statistics(app, database_url):
    """Without statistics SQLite joins the access-rule tables in a poor order (the feed
    took 18 times longer); `flask migrate` refreshes them on every upgrade."""
    from models.db import database
    result = app.test_cli_runner().invoke(args=["migrate", "--no-demo"])
    assert result.exit_code == 0, result.output
    if database_url.startswith("sqlite"):
        analysed = database.execute_sql(
            "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'guardianship'").fetchone()[0]
    else:
        analysed = database.execute_sql(
            "SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'guardianship' "
            "AND schemaname = current_schema() AND last_analyze IS NOT NULL").fetchone()[0]
    assert analysed >= 1


PROVIDER = """
[[eid_login.providers]]
id = "idporten"
label = "ID-porten"
for = "guardians"
issuer = "https://test.idporten.no"
client_id = "kontaktbok"
client_secret_file = "secret.txt"
"""


def test_an_eid_provider_gets_id_portens_defaults(tmp_path):
    (tmp_path / "secret.txt").write_text("s3cret\n")
    path = write_config(tmp_path, EXAMPLE + PROVIDER)
    (provider,) = municipality.load(path).eid_login
    assert provider.client_secret == "s3cret" and provider.audience == "guardians"
    assert provider.acr_values == provider.minimum_acr == "idporten-loa-substantial"
    assert provider.identity_claim == "pid" and provider.match == "national_id"
    assert "s3cret" not in repr(provider)  # never in a log line
    assert provider.accepts("idporten-loa-high") and not provider.accepts("idporten-loa-low")


@pytest.mark.parametrize("old, new, message", [
    ('issuer = "https://test.idporten.no"', 'issuer = "http://idporten.example"',
     "eid_login.providers[0]: issuer: 'http://idporten.example' must be an https://"),
    ('for = "guardians"', 'for = "parents"', "for: 'parents' must be guardians or staff"),
    ('client_secret_file = "secret.txt"', 'client_secret_file = "missing.txt"',
     "client_secret_file: cannot be read"),
    ('client_id = "kontaktbok"', 'client_id = "kontaktbok"\nminimum_acr = "high"',
     "minimum_acr: 'high' is not among acr_levels"),
    ('client_id = "kontaktbok"', 'client_id = "kontaktbok"\nmatch = "email"',
     "match: 'email' must be one of national_id for guardians"),
    ('client_id = "kontaktbok"', 'client_id = "kontaktbok"\nsecret = "x"',
     "eid_login.providers[0].secret: unknown key"),
    ('id = "idporten"', 'id = "ID porten"', "id: must be 1–30 lowercase letters"),
])
def test_a_bad_provider_is_refused_naming_the_key(tmp_path, old, new, message):
    (tmp_path / "secret.txt").write_text("s3cret")
    path = write_config(tmp_path, EXAMPLE + PROVIDER.replace(old, new))
    with pytest.raises(municipality.ConfigError, match=re.escape(message)):
        municipality.load(path)
