"""Start a throw-away PostgreSQL server on a local port for the gradebook tests."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
from pathlib import Path


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """initdb + pg_ctl in a temporary folder; ``url`` is the SQLAlchemy address of its database."""

    def __init__(self, folder: Path):
        self.initdb, self.pg_ctl = _binary("initdb"), _binary("pg_ctl")
        if not (self.initdb and self.pg_ctl):
            raise RuntimeError("PostgreSQL server programs (initdb, pg_ctl) were not found; "
                               "install them (Debian: apt install postgresql) to run the PostgreSQL gradebook tests")
        self.folder = Path(folder)
        self.data = self.folder / "data"
        self.port = _free_port()
        self.url = f"postgresql+psycopg2://grader@127.0.0.1:{self.port}/gradebook"
        # PostgreSQL refuses to run as root: run it as the 'postgres' user when we are root.
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self.prefix, *args], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stdout}{done.stderr}")

    def start(self) -> PostgresServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.prefix:
            shutil.chown(self.folder, "postgres")
            os.chmod(self.folder, 0o755)
            for parent in list(self.folder.parents)[:-1]:  # the server must reach its folder
                os.chmod(parent, os.stat(parent).st_mode | 0o011)
        self._run(self.initdb, "-D", str(self.data), "-A", "trust", "-U", "grader", "--no-sync")
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start")
        import sqlalchemy

        engine = sqlalchemy.create_engine(f"postgresql+psycopg2://grader@127.0.0.1:{self.port}/postgres",
                                          isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text("CREATE DATABASE gradebook"))
        engine.dispose()
        return self

    def stop(self) -> None:
        subprocess.run([*self.prefix, self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
