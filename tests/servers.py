"""Real PostgreSQL and Redis servers for the cluster tests: found, or started and stopped here.

Order of preference, for each server: the URL in the environment (``DATABASE_URL``,
``REDIS_URL``); the standard loopback port when something answers there (CI runs PostgreSQL with
trust auth on 127.0.0.1:5432 and Redis on 127.0.0.1:6379); else a private server started from
Debian's packages on a free loopback port, stopped at the end. ``KONIGLE_TEST_OWN_SERVERS=1``
skips the first two (tests of this fallback, or a machine whose shared servers must stay quiet).

Each test run then takes its own database (``konigle_test_<random>``, dropped afterwards) and its
own django-q2 site name (the Redis key prefix), so parallel runs do not see each other's rows or
tasks.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

PG_LOOPBACK = "postgres://postgres@127.0.0.1:5432/postgres"
REDIS_LOOPBACK = "redis://127.0.0.1:6379/0"


def own_servers_forced() -> bool:
    return os.environ.get("KONIGLE_TEST_OWN_SERVERS", "") not in ("", "0")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


# ---------------------------------------------------------------- PostgreSQL


def pg_answers(url: str) -> bool:
    import psycopg

    u = urlparse(url)
    if not _port_open(u.hostname or "127.0.0.1", u.port or 5432):
        return False
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def pg_bindir() -> Path:
    """Debian keeps initdb/pg_ctl/postgres under /usr/lib/postgresql/<major>/bin."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/postgres"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    if found:
        return Path(found[-1]).parent
    exe = shutil.which("postgres") or shutil.which("initdb")
    if exe:
        return Path(exe).parent
    raise RuntimeError("PostgreSQL is not installed: run `make system-deps` (Debian postgresql)")


def _unprivileged() -> dict:
    """postgres refuses to run as root: run it (and initdb) as ``nobody`` then."""
    if os.geteuid() != 0:
        return {}
    pw = pwd.getpwnam("nobody")
    return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}


@dataclass
class OwnPostgres:
    """A throwaway cluster: initdb into a temporary folder, postgres on a free port."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="konigle-pg-")))
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def start(self, timeout: float = 60) -> OwnPostgres:
        bindir = pg_bindir()
        data, sockets = self.root / "data", self.root / "sock"
        sockets.mkdir()
        creds = _unprivileged()
        if creds:  # mkdtemp is 0700 root: hand the folder to the server's user
            for p in (self.root, sockets):
                os.chown(p, creds["user"], creds["group"])
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        subprocess.run(
            [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-N"]
            + ["-E", "UTF8", "--locale=C"],
            check=True,
            capture_output=True,
            env=env,
            cwd=self.root,
            **creds,
        )
        log = open(self.root / "postgres.log", "wb")
        # The postmaster in the foreground, in its own session: stop() can always kill it, even
        # when pg_ctl would have lost track of a daemon. fsync off: test data only.
        self.proc = subprocess.Popen(
            [
                str(bindir / "postgres"),
                "-D",
                str(data),
                "-p",
                str(self.port),
                "-k",
                str(sockets),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=100",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=self.root,
            start_new_session=True,
            **creds,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while not pg_answers(self.url):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                text = (self.root / "postgres.log").read_text(errors="replace")
                self.stop()
                raise RuntimeError(f"own PostgreSQL did not start:\n{text[-3000:]}")
            time.sleep(0.2)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            # SIGINT = fast shutdown: backends are told to quit, the postmaster exits.
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)


# ---------------------------------------------------------------- Redis


def redis_answers(url: str) -> bool:
    import redis

    u = urlparse(url)
    if not _port_open(u.hostname or "127.0.0.1", u.port or 6379):
        return False
    try:
        return bool(redis.from_url(url, socket_timeout=3).ping())
    except redis.RedisError:
        return False


@dataclass
class OwnRedis:
    """redis-server on a free loopback port, nothing saved to disk, in its own session."""

    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 30) -> OwnRedis:
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.path.exists(exe):
            raise RuntimeError("redis-server is not installed: run `make system-deps`")
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly"]
            + ["no", "--daemonize", "no", "--dir", tempfile.gettempdir()],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while not redis_answers(self.url):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("own redis-server did not start")
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


# ---------------------------------------------------------------- what the tests get


@dataclass
class Servers:
    """Server URLs (PostgreSQL: its ``postgres`` maintenance database) and how they came."""

    pg_url: str
    redis_url: str
    pg_source: str  # "env", "loopback" or "own"
    redis_source: str
    owned: list = field(default_factory=list)

    def stop(self) -> None:
        for server in reversed(self.owned):
            server.stop()
        self.owned.clear()


@contextlib.contextmanager
def servers() -> Iterator[Servers]:
    """PostgreSQL and Redis for this test session; the ones started here stop at the end."""
    forced = own_servers_forced()
    owned: list = []
    try:
        if not forced and os.environ.get("DATABASE_URL", "").startswith("postgres"):
            pg_url, pg_source = os.environ["DATABASE_URL"], "env"
        elif not forced and pg_answers(PG_LOOPBACK):
            pg_url, pg_source = PG_LOOPBACK, "loopback"
        else:
            pg = OwnPostgres()
            owned.append(pg)
            pg_url, pg_source = pg.start().url, "own"
        if not forced and os.environ.get("REDIS_URL"):
            redis_url, redis_source = os.environ["REDIS_URL"], "env"
        elif not forced and redis_answers(REDIS_LOOPBACK):
            redis_url, redis_source = REDIS_LOOPBACK, "loopback"
        else:
            rd = OwnRedis()
            owned.append(rd)
            redis_url, redis_source = rd.start().url, "own"
        found = Servers(pg_url, redis_url, pg_source, redis_source, owned)
    except BaseException:
        for server in reversed(owned):
            server.stop()
        raise
    try:
        yield found
    finally:
        found.stop()


def with_database(url: str, name: str) -> str:
    u = urlparse(url)
    return urlunparse(u._replace(path=f"/{name}"))


def fresh_name(prefix: str = "konigle_test_") -> str:
    return f"{prefix}{secrets.token_hex(5)}"


def create_database(server_url: str, name: str, template: str | None = None) -> str:
    """``CREATE DATABASE name`` (optionally a copy of ``template``); returns its URL."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(server_url, autocommit=True) as conn:
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            query += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        conn.execute(query)
    return with_database(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server_url, autocommit=True) as conn:
        # FORCE (PostgreSQL 13+) ends the sessions a killed worker may have left behind.
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def drop_redis_keys(redis_url: str, prefix: str) -> int:
    """Delete this run's django-q2 keys (``django_q:<prefix>...``); returns how many."""
    import redis

    r = redis.from_url(redis_url)
    keys = list(r.scan_iter(match=f"django_q:{prefix}*", count=500))
    if keys:
        r.delete(*keys)
    return len(keys)
