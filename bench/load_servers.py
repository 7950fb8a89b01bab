"""The processes of a bench/load.py run: its own Redis, (PostgreSQL, SeaweedFS),
gunicorn and the notification worker, each logging to a file in the run's folder."""
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from load_cast import Browser, Recorder
from run import BIN, free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")


class Servers:
    """This run's processes: Redis, (PostgreSQL, SeaweedFS), gunicorn and the worker."""

    def __init__(self, tmp, workers):
        self.tmp, self.workers, self.procs = Path(tmp), workers, {}
        self.redis_port = free_port()
        self.pg_dir = self.pg_port = self.store = None

    def object_store(self):
        """A SeaweedFS of this run's own and a bucket in it: the app's S3 settings."""
        from tests.seaweed import SeaweedFS
        (self.tmp / "weed").mkdir()
        self.store = SeaweedFS(self.tmp / "weed")
        self.store.start()
        return {"S3_ENDPOINT": self.store.endpoint, "S3_BUCKET": self.store.new_bucket(),
                "S3_ACCESS_KEY": self.store.access_key,
                "S3_SECRET_KEY": self.store.secret_key}

    def spawn(self, name, cmd, env=None, cwd=ROOT):
        log = open(self.tmp / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=log, stderr=log,
                                            start_new_session=True)
        log.close()
        return self.procs[name]

    def redis(self):
        self.spawn("redis", ["redis-server", "--port", str(self.redis_port), "--bind",
                             "127.0.0.1", "--save", "", "--appendonly", "no"])
        wait_for(self.redis_port)

    def postgres(self, action):
        """A PostgreSQL server of this run's own (as the postgres user when root)."""
        runner = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        if action == "init":
            self.pg_dir, self.pg_port = self.tmp / "pg", free_port()
            self.pg_dir.mkdir()
            if runner:
                shutil.chown(self.tmp, "postgres")
                shutil.chown(self.pg_dir, "postgres")
            subprocess.run(runner + [str(PG_BIN / "initdb"), "-D", str(self.pg_dir / "data"),
                                     "-A", "trust", "-U", "postgres", "--no-sync"],
                           check=True, capture_output=True)
            action = "start"
        opts = ["-o", f"-p {self.pg_port} -k {self.pg_dir} -c listen_addresses=127.0.0.1 "
                      "-c max_connections=300"] if action == "start" else []
        subprocess.run(runner + [str(PG_BIN / "pg_ctl"), "-D", str(self.pg_dir / "data"),
                                 "-l", str(self.pg_dir / "log"), "-w", "-m", "fast", action]
                       + opts, check=True, capture_output=True)
        return f"postgresql://postgres@127.0.0.1:{self.pg_port}/postgres"

    def web(self, env):
        self.port = free_port()
        self.spawn("gunicorn", [str(BIN / "gunicorn"), "--workers", str(self.workers),
                                "--bind", f"127.0.0.1:{self.port}", "--timeout", "30",
                                "app:create_app()"], env)
        wait_for(self.port)
        # Every worker up and answering before the clock starts (they boot slowly on a
        # busy machine, and the first users would wait for them).
        while len(self.web_workers()) < self.workers:
            time.sleep(0.2)
        for _ in range(4 * self.workers):
            Browser(self.port, Recorder()).go("warm-up", "GET", "/login")

    def worker(self, env):
        self.env = env
        self.spawn("worker", [str(BIN / "flask"), "--app", "app", "worker"], env)

    def web_workers(self):
        master = self.procs["gunicorn"].pid
        return [int(p) for p in Path(f"/proc/{master}/task/{master}/children")
                .read_text().split()]

    def stop(self, name, sig=signal.SIGTERM):
        proc = self.procs.pop(name, None)
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=30)

    def stop_all(self):
        for name in list(self.procs):
            self.stop(name)
        if self.pg_dir:
            self.postgres("stop")
        if self.store:
            self.store.stop()
