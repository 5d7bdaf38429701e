"""API keys of stores, their usage rows and rate limits (the remove.bg-compatible endpoint).

A key is ``kbg_`` + 43 random URL-safe characters, shown once when it is made; only its SHA-256
and its first characters are stored. Usage is one row per call; credits (1 a full-size result,
0.25 a preview, as remove.bg counts them) add up per key and month. Rate limits count calls per
key (or per user, for token and session callers) in fixed one-minute windows in the cache.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.db.models import Count, Q, Sum
from django.db.models import Model as DjangoModel
from django.utils import timezone

from konigle_bg.conf import bg_settings

from .models import ApiKey, ApiStoreOptions, ApiUsage

KEY_PREFIX = "kbg_"
SHOWN_CHARS = 12  # of the key, stored and shown to tell keys apart
RATE_WINDOW = 60  # seconds


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_key(
    store: DjangoModel,
    name: str,
    *,
    created_by=None,
    monthly_credits: float | None = None,
    rate_limit: int | None = None,
) -> tuple[ApiKey, str]:
    """A new key for ``store``: the row, and the key itself (never stored, show it once)."""
    key = ApiKey(
        store=store,
        name=name.strip()[:80] or "API key",
        created_by=created_by,
        monthly_credits=monthly_credits,
        rate_limit=rate_limit,
    )
    raw = assign_new_key(key)
    key.save()
    return key, raw


def assign_new_key(key: ApiKey) -> str:
    """Give the unsaved ``key`` a fresh secret; returns the secret (only its hash is kept)."""
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key.prefix, key.key_hash = raw[:SHOWN_CHARS], hash_key(raw)
    return raw


def key_for(raw: str) -> ApiKey | None:
    """The active key ``raw`` stands for; None when unknown or revoked."""
    if not raw or not raw.startswith(KEY_PREFIX) or len(raw) > 200:
        return None
    key = (
        ApiKey.objects.select_related("store")
        .filter(key_hash=hash_key(raw), revoked__isnull=True)
        .first()
    )
    if key is not None:
        ApiKey.objects.filter(pk=key.pk).update(last_used=timezone.now())
    return key


def revoke_key(key: ApiKey) -> bool:
    """Revoke ``key`` (kept for its usage history); False when it already was."""
    return bool(
        ApiKey.objects.filter(pk=key.pk, revoked__isnull=True).update(revoked=timezone.now())
    )


def month_start():
    now = timezone.localtime()
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def credits_used(key: ApiKey, since=None) -> float:
    since = since or month_start()
    total = ApiUsage.objects.filter(key=key, created__gte=since).aggregate(s=Sum("credits"))["s"]
    return float(total or 0)


def credits_left(key: ApiKey) -> float | None:
    """Credits left this month; None when the key has no monthly limit."""
    if key.monthly_credits is None:
        return None
    return max(0.0, key.monthly_credits - credits_used(key))


def record_usage(
    *,
    store: DjangoModel | None,
    key: ApiKey | None,
    user,
    status: int,
    error_code: str = "",
    credits: float = 0.0,
    size: tuple[int, int] | None = None,
    duration_ms: int | None = None,
) -> ApiUsage:
    return ApiUsage.objects.create(
        store=store,
        key=key,
        user=user if getattr(user, "is_authenticated", False) else None,
        status=status,
        error_code=error_code[:40],
        credits=credits,
        width=size[0] if size else None,
        height=size[1] if size else None,
        duration_ms=duration_ms,
    )


def store_usage(store: DjangoModel, since=None) -> dict:
    """Calls, failed calls and credits of ``store`` since ``since`` (default: this month)."""
    since = since or month_start()
    agg = ApiUsage.objects.filter(store=store, created__gte=since).aggregate(
        calls=Count("pk"), failed=Count("pk", filter=Q(status__gte=400)), credits=Sum("credits")
    )
    return {
        "since": since,
        "calls": agg["calls"],
        "failed": agg["failed"],
        "credits": float(agg["credits"] or 0),
    }


def keeps_results(store: DjangoModel | None) -> bool:
    if store is None:
        return False
    return ApiStoreOptions.objects.filter(store=store, keep_results=True).exists()


@dataclass(frozen=True)
class RateWindow:
    """One caller's rate-limit window after a call: remove.bg's X-RateLimit-* values."""

    limit: int
    remaining: int
    reset: int  # Unix time the window ends
    allowed: bool

    @property
    def retry_after(self) -> int:
        return max(1, self.reset - int(time.time()))

    def headers(self) -> dict[str, str]:
        out = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }
        if not self.allowed:
            out["Retry-After"] = str(self.retry_after)
        return out


def rate_limit_for(key: ApiKey | None) -> int:
    if key is not None and key.rate_limit:
        return key.rate_limit
    return bg_settings.REMOVEBG_RATE_LIMIT


def take_call(bucket: str, limit: int, now: float | None = None) -> RateWindow:
    """Count one call of ``bucket`` in the current minute; ``allowed`` False past ``limit``.

    A fixed window in the cache (``REMOVEBG_CACHE``): add() then incr() are atomic in the
    shared caches (Redis, Memcached, database), so several web processes count together.
    """
    now = time.time() if now is None else now
    window = int(now // RATE_WINDOW)
    reset = (window + 1) * RATE_WINDOW
    cache = caches[bg_settings.REMOVEBG_CACHE]
    name = f"kbg-rate:{bucket}:{window}"
    cache.add(name, 0, timeout=RATE_WINDOW + 5)
    try:
        count = cache.incr(name)
    except ValueError:  # evicted between add and incr: this call opens the window again
        cache.set(name, 1, timeout=RATE_WINDOW + 5)
        count = 1
    return RateWindow(limit, max(0, limit - count), reset, count <= limit)
