"""django-q2's Redis broker with acknowledgements: a task whose worker dies comes back.

django-q2's own Redis broker takes a task with BLPOP: once a worker holds it, the task exists only
in that process, so a worker killed mid-job (OOM, a lost host, a deploy) loses its jobs. The ORM
broker instead locks a row until ``retry`` seconds pass. This broker does the same on Redis:
taking a task moves it, in one Lua script, from the queue list into an in-flight sorted set scored
by its deadline (Redis's clock + ``Q_CLUSTER["retry"]``); the cluster's monitor acknowledges it
after saving the result; any taker puts tasks past their deadline back at the head of the queue.

Use it with ``Q_CLUSTER = {"redis": REDIS_URL, "broker_class": "konigle_bg.broker.ReliableRedis",
"timeout": T, "retry": R}`` where R > T (a task still running after R seconds would run twice).
Keys: ``django_q:<cluster>:q`` (the list, as django-q2's broker), ``...:q:inflight`` (ack id ->
deadline), ``...:q:payloads`` (ack id -> task).
"""

from __future__ import annotations

import time
import uuid

from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf

# KEYS: queue, in-flight zset, payload hash; ARGV: retry seconds, new ack id.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 100)
for _, id in ipairs(expired) do
  local payload = redis.call('HGET', KEYS[3], id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
  if payload then redis.call('LPUSH', KEYS[1], payload) end
end
local task = redis.call('LPOP', KEYS[1])
if not task then return false end
redis.call('HSET', KEYS[3], ARGV[2], task)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), ARGV[2])
return task
"""


class ReliableRedis(Redis):
    """Redis broker where un-acknowledged tasks are delivered again after ``retry`` seconds."""

    def __init__(self, list_key: str | None = None) -> None:
        super().__init__(list_key=list_key)
        self._take = self.connection.register_script(_TAKE)

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        self._take = self.connection.register_script(_TAKE)

    @property
    def inflight_key(self) -> str:
        return f"{self.list_key}:inflight"

    @property
    def payloads_key(self) -> str:
        return f"{self.list_key}:payloads"

    def dequeue(self) -> list[tuple[str, bytes]] | None:
        ack_id = uuid.uuid4().hex
        task = self._take(
            keys=[self.list_key, self.inflight_key, self.payloads_key],
            args=[Conf.RETRY or 60, ack_id],
        )
        if task:
            return [(ack_id, task)]
        time.sleep(Conf.POLL)  # empty queue: poll like the ORM broker does
        return None

    def acknowledge(self, task_id: str) -> None:
        pipe = self.connection.pipeline()
        pipe.zrem(self.inflight_key, task_id)
        pipe.hdel(self.payloads_key, task_id)
        pipe.execute()

    def fail(self, task_id: str) -> None:  # an unreadable payload: drop it, as the ORM broker
        self.acknowledge(task_id)

    def delete(self, task_id: str) -> None:
        self.acknowledge(task_id)

    def lock_size(self) -> int:
        return self.connection.zcard(self.inflight_key)

    def purge_queue(self):
        self.connection.delete(self.inflight_key, self.payloads_key)
        return super().purge_queue()

    def delete_queue(self):
        return self.connection.delete(self.list_key, self.inflight_key, self.payloads_key)
