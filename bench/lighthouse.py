"""What a guardian's phone sees: Lighthouse (mobile, simulated slow 4G) on the pages
guardians open most, served as `make run` serves them (gunicorn, 2 workers, the demo,
nothing in front). Target: largest contentful paint at most 1.5 s on every page,
accessibility 100.

    .venv/bin/python bench/lighthouse.py [--database-url postgresql://…] [--runs 3] [--nginx]

Lighthouse is the npm package in bench/lighthouse/ (installed with `npm ci` on first
use), driving Debian's Chromium (CHROME_PATH, /usr/bin/chromium by default). Before it
measures, kari sends a message with a photo (2,000 × 1,500 px) to her child's teacher,
so that "a thread with a photo" is measured too. Prints the median of `--runs` runs per
page and exits non-zero when a target is missed.

With --nginx the pages are measured as a municipality serves them: through nginx with
the repository's site (deploy/nginx-kontaktbok.conf: TLS with HTTP/2, static files from
disk), on a self-signed certificate made for the run. It needs nginx (apt-get install
nginx-light) and openssl.
"""
import argparse
import io
import json
import os
import re
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from run import BIN, free_port, gunicorn, login_cookie, stop  # noqa: E402
from timing import database_url as schema_of  # noqa: E402

HERE = ROOT / "bench" / "lighthouse"
MAX_LCP_MS, MIN_ACCESSIBILITY = 1500, 100
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-background-networking "
                "--disable-component-update --disable-sync")


def tool(name):
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def lighthouse():
    binary = HERE / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        subprocess.run([tool("npm"), "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)
    return str(binary)


def send_photo(base, username):
    """A message with a photo from `username` to their first child's contact teacher;
    returns the thread's path."""
    from PIL import Image
    cookie, opener = log_in(base, username)
    form = opener.open(f"{base}/messages/new?child=1").read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    once = re.search(r'name="token" value="([^"]+)"', form).group(1)
    choices = form[form.index('name="to"'):form.index("</select>", form.index('name="to"'))]
    recipient = re.search(r'<option value="([^"]+)"', choices)
    picture = io.BytesIO()
    Image.effect_noise((2000, 1500), 60).convert("RGB").save(picture, "JPEG", quality=85)
    fields = {"csrf_token": csrf, "token": once, "to": recipient.group(1),
              "subject": "Bilde fra turen", "body": "Her er bildet fra turen i går."}
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
             f'{value}\r\n'.encode() for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                 f'filename="tur.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
                 + picture.getvalue() + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        f"{base}/messages/new?child=1", data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                 "Referer": f"{base}/messages/new?child=1"})
    answer = opener.open(request)
    path = urllib.parse.urlsplit(answer.geturl()).path
    if not re.fullmatch(r"/messages/\d+", path):
        raise RuntimeError(f"sending the photo ended at {path}, not at its thread")
    return path


def log_in(base, username):
    """Through nginx too: its certificate is the run's own, on loopback."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return login_cookie(None, username, base, urllib.request.HTTPSHandler(context=context))


def nginx_in_front(tmp, app_port, port):
    """nginx with deploy/nginx-kontaktbok.conf in front of gunicorn on `app_port`, on
    `port` of loopback, with a certificate made now."""
    from run import wait_for
    tmp = Path(tmp)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(tmp / "key.pem"), "-out", str(tmp / "cert.pem")],
                   check=True, capture_output=True)
    site = (ROOT / "deploy" / "nginx-kontaktbok.conf").read_text(encoding="utf-8")
    plain = free_port()
    live = "/etc/letsencrypt/live/kontaktbok.example.kommune.no/"
    for old, new in ((f"{live}fullchain.pem", str(tmp / "cert.pem")),
                     (f"{live}privkey.pem", str(tmp / "key.pem")),
                     ("kontaktbok.example.kommune.no", "127.0.0.1"),
                     ("listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl http2;"),
                     ("listen 80;", f"listen 127.0.0.1:{plain};"),
                     ("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};"),
                     ("/srv/kontaktbok/static/", f"{ROOT}/static/"),
                     # $host drops the port, which a site on 443 never shows; on this
                     # run's port the app would see another origin than the browser.
                     # (Both Host and X-Forwarded-Host.)
                     ("Host $host;", "Host $http_host;")):
        if old not in site:
            raise RuntimeError(f"deploy/nginx-kontaktbok.conf no longer says {old!r}")
        site = site.replace(old, new)
    site = "\n".join(line for line in site.splitlines() if "[::]" not in line)
    temp = "\n".join(f"    {kind}_temp_path {tmp / kind};" for kind in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp / "nginx.conf").write_text(
        f"daemon off;\npid {tmp / 'nginx.pid'};\nerror_log {tmp / 'nginx.log'};\n"
        f"events {{}}\nhttp {{\n    include /etc/nginx/mime.types;\n    access_log off;\n"
        f"{temp}\n{site}\n}}\n", encoding="utf-8")
    # Run as root, nginx's workers are another user: let them reach their temp folders
    # (a photo's upload waits in one) without listing the run's folder.
    tmp.chmod(0o711)
    process = subprocess.Popen(["nginx", "-c", str(tmp / "nginx.conf"), "-p", str(tmp)],
                               start_new_session=True)
    wait_for(port)
    return process


def measure(binary, url, cookie):
    """(LCP ms, performance score, accessibility score, transferred KB) of one run."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [binary, url, "--quiet", "--output=json", f"--output-path={out.name}",
                   "--only-categories=performance,accessibility",
                   f"--chrome-flags={CHROME_FLAGS}"
                   + (" --ignore-certificate-errors" if url.startswith("https") else "")]
        if cookie:
            command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
        env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
        for attempt in (1, 2):  # Chromium now and then times out on a busy machine
            done = subprocess.run(command, env=env, capture_output=True, text=True)
            if done.returncode == 0:
                break
            if attempt == 2:
                raise RuntimeError(f"Lighthouse failed on {url}:\n{done.stderr[-2000:]}")
        report = json.loads(Path(out.name).read_text())
    audits, categories = report["audits"], report["categories"]
    return (audits["largest-contentful-paint"]["numericValue"],
            round(categories["performance"]["score"] * 100),
            round(categories["accessibility"]["score"] * 100),
            audits["total-byte-weight"]["numericValue"] / 1024)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL instead of SQLite")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--nginx", action="store_true",
                        help="through nginx with deploy/nginx-kontaktbok.conf (TLS, HTTP/2)")
    args = parser.parse_args()
    binary = lighthouse()
    failures = []
    with tempfile.TemporaryDirectory() as tmp, schema_of(args.database_url, tmp) as url:
        env = {**os.environ, "INSTANCE_PATH": tmp, "KONTAKTBOK_ENV": "demo",
               "DATABASE_URL": url}
        subprocess.run([str(BIN / "flask"), "--app", "app", "migrate"], env=env, cwd=ROOT,
                       check=True, capture_output=True)
        front = None
        if args.nginx:  # the app is told where it is, and to trust nginx's X-Forwarded-*
            front_port = free_port()
            env["PROXY_COUNT"], env["PUBLIC_URL"] = "1", f"https://127.0.0.1:{front_port}"
        app, port = gunicorn("app:create_app()", env, ROOT)
        base = f"http://127.0.0.1:{port}"
        try:
            if args.nginx:
                front = nginx_in_front(tmp, port, front_port)
                base = f"https://127.0.0.1:{front_port}"
            thread = send_photo(base, "kari")
            cookie, _ = log_in(base, "kari")
            pages = [("anonymous", "/login", None), ("kari", "/", cookie),
                     ("kari", "/messages/", cookie), ("kari", "/posts/", cookie),
                     ("kari", thread + " (photo)", cookie)]
            print(f"{'page':32} {'LCP ms':>7} {'perf':>5} {'a11y':>5} {'KB':>6}")
            for username, path, page_cookie in pages:
                target = f"{base}{path.split()[0]}"
                runs = [measure(binary, target, page_cookie) for _ in range(args.runs)]
                lcp = statistics.median(r[0] for r in runs)
                performance = statistics.median(r[1] for r in runs)
                accessibility = min(r[2] for r in runs)
                weight = statistics.median(r[3] for r in runs)
                print(f"{username + ' ' + path:32} {lcp:>7.0f} {performance:>5.0f} "
                      f"{accessibility:>5} {weight:>6.1f}")
                if lcp > MAX_LCP_MS:
                    failures.append(f"LCP {username} {path}: {lcp:.0f} ms")
                if accessibility < MIN_ACCESSIBILITY:
                    failures.append(f"accessibility {username} {path}: {accessibility}")
        finally:
            if front is not None:
                stop(front)
            stop(app)
    if failures:
        print("\nMISSED:\n" + "\n".join(failures))
        sys.exit(1)
    print("\nall targets met")


if __name__ == "__main__":
    main()
