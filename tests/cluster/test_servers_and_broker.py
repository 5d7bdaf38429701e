"""The test servers' fallback (own PostgreSQL and Redis from Debian's packages) and the
acknowledging Redis broker, against real servers."""

from __future__ import annotations

import os
import time

import pytest

from tests import servers

pytestmark = [pytest.mark.cluster, pytest.mark.slow]


def test_own_servers_start_answer_and_stop(monkeypatch):
    """What `make test` does where no server runs: initdb + postgres and redis-server on free
    loopback ports (postgres as an unprivileged user when root), all gone afterwards."""
    monkeypatch.setenv("KONIGLE_TEST_OWN_SERVERS", "1")
    with servers.servers() as found:
        assert (found.pg_source, found.redis_source) == ("own", "own")
        assert found.pg_url.endswith("/postgres") and ":5432/" not in found.pg_url
        pids = [s.proc.pid for s in found.owned]
        root = found.owned[0].root
        name = servers.fresh_name()
        url = servers.create_database(found.pg_url, name)
        import psycopg

        with psycopg.connect(url) as conn:
            db, enc = conn.execute("SELECT current_database(), pg_client_encoding()").fetchone()
        assert (db, enc) == (name, "UTF8")
        servers.drop_database(found.pg_url, name)
        import redis

        assert redis.from_url(found.redis_url).ping()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert not root.exists()


@pytest.fixture
def broker(cluster_servers, run_id, settings):
    """A ReliableRedis broker on this run's private queue, retry 2 s."""
    from django_q.conf import Conf

    from konigle_bg.broker import ReliableRedis

    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "redis": cluster_servers.redis_url}
    old = Conf.REDIS, Conf.RETRY, Conf.POLL
    Conf.REDIS, Conf.RETRY, Conf.POLL = cluster_servers.redis_url, 2, 0.05
    b = ReliableRedis(list_key=f"{run_id}-broker")
    try:
        yield b
    finally:
        b.delete_queue()
        Conf.REDIS, Conf.RETRY, Conf.POLL = old


def test_unacknowledged_task_comes_back_after_retry(broker):
    for payload in (b"one", b"two"):
        broker.enqueue(payload)
    ((ack1, t1),) = broker.dequeue()
    ((ack2, t2),) = broker.dequeue()
    assert (t1, t2) == (b"one", b"two")
    assert broker.queue_size() == 0 and broker.lock_size() == 2
    broker.acknowledge(ack1)  # "one" done; "two" is held by a worker that then dies
    assert broker.dequeue() is None  # not before its deadline
    time.sleep(2.3)
    ((ack3, t3),) = broker.dequeue()
    assert t3 == b"two" and ack3 != ack2
    broker.acknowledge(ack3)
    assert broker.lock_size() == 0 and broker.queue_size() == 0
    time.sleep(2.3)
    assert broker.dequeue() is None  # acknowledged tasks never come back


def test_two_takers_never_get_the_same_task(broker):
    from konigle_bg.broker import ReliableRedis

    # The same queue, as another host's pusher sees it.
    other = ReliableRedis(list_key=broker.list_key.removeprefix("django_q:").removesuffix(":q"))
    assert other.list_key == broker.list_key
    for i in range(20):
        broker.enqueue(f"t{i}".encode())
    got = []
    for _ in range(10):
        got += [t for _, t in broker.dequeue() or []]
        got += [t for _, t in other.dequeue() or []]
    assert sorted(got) == sorted(f"t{i}".encode() for i in range(20))
