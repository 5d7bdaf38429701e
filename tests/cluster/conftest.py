"""Cluster tests: real PostgreSQL and Redis (see tests/servers.py), real ``qcluster`` processes.

Session: the servers, and one migrated template database. Each test: its own database copied
from the template, its own django-q2 site name (Redis key prefix), a shared media folder (the
"shared storage"), and per-host environments as if each worker ran on its own machine.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests import servers
from tests.procs import manage, shell, site_env

# Short job limits so that a killed worker's tasks come back soon within the test (retry >
# timeout). A task here is one 320x240 photo: well under a second, a few on a loaded machine.
TASK_TIMEOUT, TASK_RETRY = 12, 15


_used: list[str] = []


@pytest.fixture(scope="session")
def cluster_servers() -> Iterator[servers.Servers]:
    with servers.servers() as found:
        _used.append(
            f"PostgreSQL ({found.pg_source}) {found.pg_url}, Redis ({found.redis_source}) "
            f"{found.redis_url}"
        )
        yield found


def pytest_terminal_summary(terminalreporter) -> None:
    """Say which servers the cluster tests ran against (own = started for this run)."""
    for line in _used:
        terminalreporter.write_line(f"cluster tests used: {line}")


@pytest.fixture(scope="session")
def run_id() -> str:
    """This pytest run's token: database names and Redis key prefixes start with it."""
    return servers.fresh_name("kt")


@pytest.fixture(scope="session")
def template_db(cluster_servers, run_id, tmp_path_factory) -> Iterator[str]:
    """A database migrated once per session; each test gets a copy (CREATE ... TEMPLATE)."""
    name = f"konigle_test_{run_id}_tpl"
    url = servers.create_database(cluster_servers.pg_url, name)
    try:
        env = site_env(tmp_path_factory.mktemp("migrate"), DATABASE_URL=url)
        manage(env, "migrate", "--noinput", "-v0", timeout=600)
        yield name
    finally:
        servers.drop_database(cluster_servers.pg_url, name)


_counter = itertools.count(1)


@dataclass
class Site:
    """One deployment under test: a database, a Redis prefix, a shared media folder."""

    root: Path
    database_url: str
    redis_url: str
    q_name: str
    media: Path
    hosts: dict = field(default_factory=dict)

    def env(self, host: str = "web", **extra: str) -> dict[str, str]:
        """The environment of a process on ``host``: its own var folder, the shared rest."""
        base = self.root / host
        base.mkdir(exist_ok=True)
        env = site_env(
            base,
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            MEDIA_ROOT=str(self.media),
            Q_NAME=self.q_name,
            HOSTNAME=host,
            Q_WORKERS="1",
            KONIGLE_BG_THREADS="1",
            Q_TIMEOUT=str(TASK_TIMEOUT),
            Q_RETRY=str(TASK_RETRY),
        )
        env.update(extra)
        return env

    def queue(self, suffix: str) -> str:
        """A queue (django-q2 cluster) name private to this test."""
        return f"{self.q_name}-{suffix}"

    def sql(self, query: str, *params) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            return conn.execute(query, params).fetchall()

    def redis(self):
        import redis

        return redis.from_url(self.redis_url)


@pytest.fixture
def site(cluster_servers, template_db, run_id, tmp_path) -> Iterator[Site]:
    n = next(_counter)
    name = f"konigle_test_{run_id}_{n}"
    url = servers.create_database(cluster_servers.pg_url, name, template=template_db)
    media = tmp_path / "shared-media"
    media.mkdir()
    q_name = f"{run_id}_{n}"
    try:
        yield Site(tmp_path, url, cluster_servers.redis_url, q_name, media)
    finally:
        servers.drop_database(cluster_servers.pg_url, name)
        servers.drop_redis_keys(cluster_servers.redis_url, q_name)


# ---------------------------------------------------------------- helpers for the tests

SETUP = """
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from products.models import Store, Product, ProductImage
from tests.conftest import photo_bytes
u = get_user_model().objects.create_user("owner", password="pw")
s = Store.objects.create(name="S", slug="s", owner=u)
p = Product.objects.create(store=s, title="Red Rubber Ball")
for i in range({n}):
    img = ProductImage(product=p, position=i)
    data = photo_bytes(size=(320, 240), seed=i, colour=(40 + 3 * i, 90, 200 - 2 * i))
    img.image.save(f"p{{i}}.jpg", ContentFile(data), save=True)
print(p.pk)
"""


def make_photos(env: dict, n: int) -> int:
    """A store with one draft product of ``n`` small photos; returns the product's pk."""
    return int(shell(env, SETUP.format(n=n)).strip().splitlines()[-1])


def publish(env: dict, product_pk: int) -> None:
    shell(
        env, f"from products.models import Product; Product.objects.get(pk={product_pk}).publish()"
    )


LINE = re.compile(r"\[(?P<pid>\d+)\]: (?P<msg>.*)$")


def log_lines(path: Path) -> list[tuple[int, str]]:
    """(pid, message) of the konigle_bg lines in a worker's log."""
    out = []
    for line in path.read_text(errors="replace").splitlines():
        m = LINE.search(line)
        if m:
            out.append((int(m["pid"]), m["msg"]))
    return out


def cutouts_logged(path: Path) -> list[tuple[int, int]]:
    """(pid, image id) of every segmentation a worker ran (services.ensure_cutout's line)."""
    found = []
    for pid, msg in log_lines(path):
        m = re.match(r"image (\d+): cut out in \d+ ms", msg)
        if m:
            found.append((pid, int(m[1])))
    return found


def sessions_logged(path: Path) -> list[int]:
    """Pids that created a segmenter session (the registry's line: a model load)."""
    return [pid for pid, msg in log_lines(path) if msg.startswith("segmenter session ")]


def task_rows(site: Site, func: str) -> list[dict]:
    rows = site.sql(
        "SELECT id, name, success, cluster, attempt_count FROM django_q_task WHERE func = %s",
        func,
    )
    return [
        dict(zip(("id", "name", "success", "cluster", "attempts"), r, strict=True)) for r in rows
    ]


def progress(site: Site) -> dict:
    """Counts that say how far the queue got, straight from PostgreSQL."""
    (row,) = site.sql(
        """SELECT
            (SELECT count(*) FROM konigle_bg_cutout WHERE status = 'done'),
            (SELECT count(*) FROM konigle_bg_variant WHERE is_active),
            (SELECT count(*) FROM konigle_bg_variant)"""
    )
    return dict(zip(("cutouts", "active", "variants"), row, strict=True))


def dump(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=1, default=str))
