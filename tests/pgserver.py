"""A throwaway PostgreSQL cluster for the tests.

`PostgresServer` runs initdb + pg_ctl in a temporary directory on a free loopback port, with
durability turned off (the data is thrown away anyway). `create_database` / `drop_database` give each
test its own database on it, or on an external server named by `PATRIMOINE_TEST_POSTGRES_URL`.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path
from types import TracebackType

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

EXTERNAL_URL_ENV = "PATRIMOINE_TEST_POSTGRES_URL"
DEFAULT_BINDIR = Path("/usr/lib/postgresql/15/bin")
SYSTEM_USER = "postgres"  # initdb refuses to run as root: as root we run the server as this user
SUPERUSER = "postgres"  # the cluster's superuser role


class PostgresUnavailableError(RuntimeError):
    """No PostgreSQL binaries on this machine."""


def find_bindir() -> Path | None:
    """The directory holding initdb and pg_ctl, or None when PostgreSQL is not installed."""
    candidates = [DEFAULT_BINDIR]
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True)
            candidates.append(Path(out.stdout.strip()))
        except (OSError, subprocess.CalledProcessError):
            pass
    initdb = shutil.which("initdb")
    if initdb:
        # Debian's /usr/bin has no initdb; a symlink elsewhere points into the real bindir.
        candidates.append(Path(initdb).resolve().parent)
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (small race: see `start`)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PostgresServer:
    """One PostgreSQL cluster in a temporary directory; `start()` then `stop()`, or a `with` block."""

    def __init__(self, bindir: Path | None = None) -> None:
        found = bindir or find_bindir()
        if found is None:
            raise PostgresUnavailableError(
                f"PostgreSQL binaries not found (looked in {DEFAULT_BINDIR}, `pg_config --bindir`, "
                "PATH): install the Debian package postgresql-15"
            )
        self.bindir = found
        self.as_root = os.geteuid() == 0
        self.base: Path | None = None
        self.port: int | None = None

    @property
    def admin_url(self) -> str:
        """SQLAlchemy URL of the cluster's maintenance database, as superuser (trust auth)."""
        if self.port is None:
            raise RuntimeError("server not started")
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", SYSTEM_USER, "--", *cmd]
        # cwd: the postgres user may not be allowed into the caller's directory (e.g. /root).
        return subprocess.run(cmd, cwd=self.base, capture_output=True, text=True, check=False)

    def _check(self, proc: subprocess.CompletedProcess[str], what: str) -> None:
        if proc.returncode != 0:
            log = self._log_tail()
            raise RuntimeError(f"{what} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}{log}")

    def _log_tail(self) -> str:
        if self.base is None or not (self.base / "server.log").exists():
            return ""
        return "\n--- server.log ---\n" + (self.base / "server.log").read_text(errors="replace")[-4000:]

    def start(self) -> None:
        if self.as_root:
            _ensure_system_user()
        self.base = Path(tempfile.mkdtemp(prefix="patrimoine-pg-"))
        atexit.register(self.stop)  # even if the caller never reaches its own stop()
        data, sockdir = self.base / "data", self.base / "sock"
        sockdir.mkdir()
        if self.as_root:
            for path in (self.base, sockdir):
                shutil.chown(path, SYSTEM_USER, SYSTEM_USER)
        proc = self._run(
            "initdb", "-D", str(data), "--auth=trust", "-U", SUPERUSER, "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        self._check(proc, "initdb")
        # The free port can be taken between free_port() and the server's bind: retry a few times.
        for attempt in range(3):
            self.port = free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {self.port} -k {sockdir} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            proc = self._run(
                "pg_ctl", "start", "-w", "-t", "60", "-D", str(data), "-l", str(self.base / "server.log"),
                "-o", options,
            )  # fmt: skip
            if proc.returncode == 0:
                return
            if attempt == 2:
                self._check(proc, "pg_ctl start")

    def stop(self) -> None:
        """Kill the server (no clean shutdown needed) and remove its files. Safe to call twice."""
        if self.base is None:
            return
        if (self.base / "data" / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "-m", "immediate", "-w", "-D", str(self.base / "data"))
        shutil.rmtree(self.base, ignore_errors=True)
        self.base = None
        self.port = None

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _ensure_system_user() -> None:
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", SYSTEM_USER], check=True)


def _admin_engine(admin_url: str) -> sa.Engine:
    # AUTOCOMMIT: CREATE/DROP DATABASE cannot run in a transaction. NullPool: keep no idle connection.
    return sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def create_database(admin_url: str) -> str:
    """Create a fresh, uniquely named database on the server of `admin_url`; return its URL."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    engine = _admin_engine(admin_url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, url: str) -> None:
    """Drop the database of `url` (made by `create_database`), closing whatever still uses it."""
    name = sa.make_url(url).database
    if not name or not name.startswith("test_"):
        raise ValueError(f"refusing to drop a database not made by create_database: {name!r}")
    engine = _admin_engine(admin_url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()
