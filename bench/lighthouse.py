"""What a guardian's phone sees: Lighthouse (mobile, simulated slow 4G) on the pages
guardians open most, served as `make run` serves them (gunicorn, 2 workers, the demo,
nothing in front). Target: largest contentful paint at most 1.5 s on every page,
accessibility 100.

    .venv/bin/python bench/lighthouse.py [--database-url postgresql://…] [--runs 3]

Lighthouse is the npm package in bench/lighthouse/ (installed with `npm ci` on first
use), driving Debian's Chromium (CHROME_PATH, /usr/bin/chromium by default). Before it
measures, kari sends a message with a photo (2,000 × 1,500 px) to her child's teacher,
so that "a thread with a photo" is measured too. Prints the median of `--runs` runs per
page and exits non-zero when a target is missed.
"""
import argparse
import io
import json
import os
import re
import shutil
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
from run import BIN, gunicorn, login_cookie, stop  # noqa: E402
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


def send_photo(port, username):
    """A message with a photo from `username` to their first child's contact teacher;
    returns the thread's path."""
    from PIL import Image
    cookie, opener = login_cookie(port, username)
    form = opener.open(f"http://127.0.0.1:{port}/messages/new?child=1").read().decode()
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
        f"http://127.0.0.1:{port}/messages/new?child=1", data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    answer = opener.open(request)
    path = urllib.parse.urlsplit(answer.geturl()).path
    if not re.fullmatch(r"/messages/\d+", path):
        raise RuntimeError(f"sending the photo ended at {path}, not at its thread")
    return path


def measure(binary, url, cookie):
    """(LCP ms, performance score, accessibility score, transferred KB) of one run."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [binary, url, "--quiet", "--output=json", f"--output-path={out.name}",
                   "--only-categories=performance,accessibility",
                   f"--chrome-flags={CHROME_FLAGS}"]
        if cookie:
            command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
        env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
        subprocess.run(command, check=True, env=env, capture_output=True)
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
    args = parser.parse_args()
    binary = lighthouse()
    failures = []
    with tempfile.TemporaryDirectory() as tmp, schema_of(args.database_url, tmp) as url:
        env = {**os.environ, "INSTANCE_PATH": tmp, "KONTAKTBOK_ENV": "demo",
               "DATABASE_URL": url}
        subprocess.run([str(BIN / "flask"), "--app", "app", "migrate"], env=env, cwd=ROOT,
                       check=True, capture_output=True)
        app, port = gunicorn("app:create_app()", env, ROOT)
        try:
            thread = send_photo(port, "kari")
            cookie, _ = login_cookie(port, "kari")
            pages = [("anonymous", "/login", None), ("kari", "/", cookie),
                     ("kari", "/messages/", cookie), ("kari", "/posts/", cookie),
                     ("kari", thread + " (photo)", cookie)]
            print(f"{'page':32} {'LCP ms':>7} {'perf':>5} {'a11y':>5} {'KB':>6}")
            for username, path, page_cookie in pages:
                target = f"http://127.0.0.1:{port}{path.split()[0]}"
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
            stop(app)
    if failures:
        print("\nMISSED:\n" + "\n".join(failures))
        sys.exit(1)
    print("\nall targets met")


if __name__ == "__main__":
    main()
