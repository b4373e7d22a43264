"""A throw-away PostgreSQL server for the sync tests: initdb in a temp dir, pg_ctl on a loopback port.

The cluster requires a password (scram-sha-256) so that the tests exercise password handling.
As root, the server runs as the ``postgres`` system user (initdb refuses root). ``server_bin()``
is None when the Debian server package (postgresql) is not installed: the tests then skip.
"""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

USER, PASSWORD, DATABASE = "gridscore", "s3cret-Pw!42", "hotline"


def server_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


@dataclass(frozen=True)
class Cluster:
    port: int

    @property
    def url(self) -> str:
        """The URL without the password, as a user passes it to ``--source``."""
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    def connect(self):
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user=USER, password=PASSWORD,
                               dbname=DATABASE, autocommit=True)


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_cluster() -> Iterator[Cluster]:
    bin_dir = server_bin()
    assert bin_dir is not None
    root = Path(tempfile.mkdtemp(prefix="gridscore-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    pwfile, data, log = root / "pw", root / "data", root / "log"
    pwfile.write_text(PASSWORD)
    if as_user:
        shutil.chown(pwfile, "postgres")
    port = _free_port()

    def run(*cmd: str) -> None:
        subprocess.run([*as_user, *cmd], check=True, capture_output=True, text=True, timeout=120)

    try:
        run(str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "--auth=scram-sha-256",
            f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C")
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "start",
            "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off")
        cluster = Cluster(port)
        with cluster_admin(cluster) as con:
            con.execute(f"CREATE DATABASE {DATABASE}")
        yield cluster
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def cluster_admin(cluster: Cluster):
    import psycopg

    con = psycopg.connect(host="127.0.0.1", port=cluster.port, user=USER, password=PASSWORD,
                          dbname="postgres", autocommit=True)
    try:
        yield con
    finally:
        con.close()
