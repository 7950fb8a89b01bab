"""The deployment files in deploy/ (README.md, "Running it as a service"): the systemd
units run what the README says to run, with the environment file it names, and stop
gracefully; the nginx site forwards what the app trusts, takes the uploads the app takes,
keeps versioned static files for a year and compresses. The nginx file is read by a
small parser here, so the test needs neither nginx nor a database."""
import inspect
import re
import shlex
from pathlib import Path

import pytest
from gunicorn.config import Config as GunicornConfig
from huey.consumer import Consumer

import app as app_module

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
ENV_FILE = "/etc/kontaktbok/env"


# --- systemd units -------------------------------------------------------------------

def unit(name):
    """A unit file as {section: {key: [values]}} (a key may repeat)."""
    sections, section = {}, None
    text = (DEPLOY / name).read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        section.setdefault(key.strip(), []).append(value.strip())
    return sections


def service(name):
    return {key: values[-1] for key, values in unit(name)["Service"].items()}


APP, WORKER = service("kontaktbok.service"), service("kontaktbok-worker.service")


def production_section():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("\n## Production\n", 1)[1].split("\n## ", 1)[0]


def readme_command(program):
    """The README's production command that runs .venv/bin/<program> (flask: the worker)."""
    for line in production_section().splitlines():
        if not line.strip().startswith(f".venv/bin/{program} "):
            continue  # prose: its apostrophes are no shell quotes
        words = shlex.split(line, comments=True)
        if program != "flask" or words[-1] == "worker":
            return words
    raise AssertionError(f"README's Production section runs no .venv/bin/{program}")


def option(words, name):
    return words[words.index(name) + 1]


def test_the_units_run_the_readmes_commands_in_the_repository():
    for svc, program in ((APP, "gunicorn"), (WORKER, "flask")):
        command = shlex.split(svc["ExecStart"])
        readme = readme_command(program)
        assert command[0] == f"{svc['WorkingDirectory']}/{readme[0]}"
        assert command[1:] == readme[1:]
    assert readme_command("gunicorn")[-1] == "app:create_app()"
    assert readme_command("flask")[1:] == ["--app", "app", "worker"]
    assert APP["WorkingDirectory"] == WORKER["WorkingDirectory"]


def test_gunicorn_waits_for_a_video_as_long_as_make_run_does():
    """README: a post's video is encoded while the upload waits; `make run` gives
    gunicorn a timeout for it, and the production server must have the same."""
    make_run = next(shlex.split(line) for line in
                    (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
                    if "/gunicorn " in line)
    assert option(shlex.split(APP["ExecStart"]), "--timeout") == option(make_run, "--timeout")


def test_both_services_run_as_their_own_user_with_the_environment_file():
    for svc in (APP, WORKER):
        assert svc["EnvironmentFile"] == ENV_FILE
        assert svc["User"] == svc["Group"] == "kontaktbok"
        assert svc["Restart"] == "on-failure"
    assert f"`{ENV_FILE}`" in production_section()
    assert "useradd --system --user-group" in production_section()


def test_both_services_may_write_to_the_instance_folder_only():
    for svc in (APP, WORKER):
        assert svc["ProtectSystem"] == "strict"
        assert svc["ReadWritePaths"] == f"{svc['WorkingDirectory']}/instance"
        for flag in ("NoNewPrivileges", "PrivateTmp", "ProtectHome", "PrivateDevices"):
            assert svc[flag] == "true", flag
        assert svc["CapabilityBoundingSet"] == ""
    # gunicorn's control socket goes where the service may write.
    assert APP["Environment"] == f"XDG_RUNTIME_DIR=/run/{APP['RuntimeDirectory']}"


def test_stopping_lets_running_requests_and_tasks_finish():
    # gunicorn: TERM to the master alone is its graceful stop; systemd waits longer than
    # gunicorn waits for its workers.
    assert APP["KillSignal"] == "SIGTERM" and APP["KillMode"] == "mixed"
    assert seconds(APP["TimeoutStopSec"]) > GunicornConfig().graceful_timeout
    assert APP["Type"] == "notify"
    # huey: its graceful signal finishes the running tasks; the other interrupts them.
    graceful = inspect.signature(Consumer).parameters["graceful_signal"].default
    assert WORKER["KillSignal"] == f"SIG{graceful}"
    assert WORKER["KillMode"] == "mixed"


def seconds(value):
    return int(value.removesuffix("s"))


def test_the_readmes_environment_file_is_one_systemd_reads_as_meant():
    """systemd keeps an inline comment as part of the value, and a misspelt name is
    silently unused: every line is a comment or NAME=value of a variable the app reads."""
    section = production_section()
    block = section.split(f"`{ENV_FILE}`", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    known = {"TZ"} | set(re.findall(r'env_(?:str|int|bool|secret)\("([A-Z_]+)"', source))
    known |= {f"{name}_FILE" for name in re.findall(r'env_secret\("([A-Z_]+)"', source)}
    names = []
    for line in block.splitlines():
        line = line.strip()
        if not line:
            continue
        assignment = re.fullmatch(r"#?([A-Z_]+)=(\S+)", line)
        if assignment:
            names.append(assignment[1])
        else:
            assert line.startswith("#"), f"not NAME=value without spaces: {line!r}"
    assert set(names) <= known, set(names) - known
    assert {"KONTAKTBOK_ENV", "PUBLIC_URL", "SECRET_KEY_FILE", "DATABASE_URL",
            "PROXY_COUNT"} <= set(names)


# --- nginx ---------------------------------------------------------------------------

class Directive:
    def __init__(self, name, args, block=None):
        self.name, self.args, self.block = name, args, block

    def all(self, name):
        return [d for d in self.block if d.name == name]

    def one(self, name):
        found = self.all(name)
        assert len(found) == 1, f"{len(found)} × {name} in {self.name} {self.args}"
        return found[0]

    def location(self, path):
        return next(d for d in self.all("location") if d.args == [path])


TOKEN = re.compile(r"""\s+|\#[^\n]*|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([{};])|([^\s{};"'#]+)""")


def parse_nginx(text):
    """nginx's configuration syntax: directives end with ';' or hold a { block }."""
    root = Directive("main", [], [])
    stack, words, position = [root], [], 0
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match:
            raise ValueError(f"cannot read at {text[position:position + 20]!r}")
        position = match.end()
        double, single, punct, word = match.groups()
        if punct is None and word is None and double is None and single is None:
            continue  # whitespace or a comment
        if punct == ";":
            if not words:
                raise ValueError("';' without a directive")
            stack[-1].block.append(Directive(words[0], words[1:]))
            words = []
        elif punct == "{":
            block = Directive(words[0] if words else "", words[1:], [])
            if not words:
                raise ValueError("'{' without a directive")
            stack[-1].block.append(block)
            stack.append(block)
            words = []
        elif punct == "}":
            if words or len(stack) == 1:
                raise ValueError("'}' after an unfinished directive, or unbalanced")
            stack.pop()
        else:
            words.append(word if word is not None else (double if double is not None
                                                         else single))
    if words or len(stack) != 1:
        raise ValueError("the file ends inside a directive or a block")
    return root


@pytest.mark.parametrize("broken", ["server { listen 80 }", "server { listen 80; ",
                                    "gzip on", "location / { } }"])
def test_the_parser_refuses_what_nginx_refuses(broken):
    with pytest.raises(ValueError):
        parse_nginx(broken)


SITE = parse_nginx((DEPLOY / "nginx-kontaktbok.conf").read_text(encoding="utf-8"))
PLAIN, TLS = (next(s for s in SITE.all("server")
                   if any(port in listen.args[0] for listen in s.all("listen")))
              for port in ("80", "443"))


def test_http_only_redirects_to_https_and_answers_certbot():
    assert all(listen.args[0].endswith("80") for listen in PLAIN.all("listen"))
    redirect = PLAIN.location("/").one("return")
    assert redirect.args == ["301", "https://$server_name$request_uri"]
    assert PLAIN.location("/.well-known/acme-challenge/").one("root").args == ["/var/www/html"]
    assert PLAIN.one("server_name").args == TLS.one("server_name").args


def test_https_has_a_certificate_and_no_old_protocols():
    assert all("ssl" in listen.args for listen in TLS.all("listen"))
    host = TLS.one("server_name").args[0]
    for name in ("ssl_certificate", "ssl_certificate_key"):
        assert host in TLS.one(name).args[0]
    assert set(TLS.one("ssl_protocols").args) == {"TLSv1.2", "TLSv1.3"}


def test_the_app_gets_the_forwarded_headers_it_trusts():
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    trusted = set(re.findall(r"\bx_(for|proto|host)=settings\[\"PROXY_COUNT\"\]", source))
    assert trusted == {"for", "proto", "host"}
    headers = {d.args[0]: d.args[1] for d in TLS.all("proxy_set_header")}
    expected = {"for": "$proxy_add_x_forwarded_for", "proto": "$scheme", "host": "$host"}
    for name in trusted:
        assert headers[f"X-Forwarded-{name.capitalize()}"] == expected[name]


def test_requests_go_to_gunicorn_where_the_unit_binds_it():
    upstream = SITE.one("upstream")
    bind = option(shlex.split(APP["ExecStart"]), "--bind")
    assert upstream.one("server").args == [bind]
    for path in ("/", "/calendar/feed/"):
        assert TLS.location(path).one("proxy_pass").args == [f"http://{upstream.args[0]}"]
    timeout = int(option(shlex.split(APP["ExecStart"]), "--timeout"))
    assert seconds(TLS.one("proxy_read_timeout").args[0]) > timeout


def test_uploads_the_app_takes_pass_nginx(monkeypatch, tmp_path):
    for name in ("ATTACHMENT_MAX_MB", "ATTACHMENTS_PER_MESSAGE", "POST_PHOTOS",
                 "POST_VIDEO_MAX_MB"):
        monkeypatch.delenv(name, raising=False)
    limit = app_module.upload_limit(app_module.settings_from_environment(tmp_path))
    size = TLS.one("client_max_body_size").args[0]
    units = {"k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}
    assert int(size[:-1]) * units[size[-1].lower()] == limit


def test_versioned_static_files_are_kept_a_year_and_others_revalidated():
    static = TLS.location("/static/")
    assert static.one("alias").args == [f"{APP['WorkingDirectory']}/static/"]
    # The app versions a static URL with a query parameter (app.py, _version_static).
    parameter = re.search(r'values\.setdefault\("(\w+)", static_version',
                          (ROOT / "app.py").read_text(encoding="utf-8"))[1]
    cache_map = SITE.one("map")
    assert cache_map.args[0] == f"$arg_{parameter}"
    variable = cache_map.args[1]
    policy = {d.name: d.args[0] for d in cache_map.block}
    assert policy["default"] == "public, max-age=31536000, immutable"
    assert policy[""] == "no-cache"
    headers = {d.args[0]: d.args[1:] for d in static.all("add_header")}
    assert headers["Cache-Control"] == [variable, "always"]
    assert headers["X-Content-Type-Options"][0] == "nosniff"


def test_static_files_are_compressed_and_pages_are_left_to_the_app():
    """The app compresses a page only for a request from its own pages (BREACH,
    views/compression.py); nginx compressing every answer would undo that."""
    assert TLS.one("gzip").args == ["off"]
    static = TLS.location("/static/")
    assert static.one("gzip").args == ["on"]
    assert {"text/css", "application/javascript", "image/svg+xml"} <= set(
        static.one("gzip_types").args)
    assert static.one("gzip_static").args == ["on"]
    assert not TLS.location("/").all("gzip")


def test_calendar_feed_addresses_stay_out_of_the_access_log():
    assert TLS.location("/calendar/feed/").one("access_log").args == ["off"]
