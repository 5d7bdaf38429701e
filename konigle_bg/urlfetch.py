"""Fetch a product photo from a URL a seller typed, without letting it reach our own network.

Safe by construction rather than by after-the-fact checks:

* only ``http``/``https``; no credentials in the URL;
* the host is resolved **once per hop** by us, every address is checked (private, loopback,
  link-local, multicast, reserved, unspecified, shared 100.64/10, and IPv4 hidden in IPv6:
  mapped, 6to4, Teredo, NAT64), and the connection goes to that checked address: the socket is
  opened to the IP while the Host header, TLS SNI and certificate check use the name, so a DNS
  answer that changes between check and connect (rebinding) cannot redirect us;
* redirects are followed here, at most :data:`MAX_REDIRECTS`, each hop checked like the first;
* size is capped by Content-Length and again while streaming; a total deadline bounds the whole
  fetch (a server dripping one byte at a time cannot hold a worker);
* the content type must be ``image/*`` and the bytes must pass :func:`io.probe`.

urllib3 is used directly (it comes with requests): requests would re-resolve the name itself
and honour proxy environment variables, both of which would undo the pinning.

Pure module: no django.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

import urllib3
from requests.utils import requote_uri
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ReadTimeoutError,
    SSLError,
)

from .errors import KonigleBgError, Sentence, gettext_noop
from .imaging.io import ImageRejected, Limits, probe

MAX_REDIRECTS = 5
MAX_URL_LENGTH = 4096
USER_AGENT = "konigle-bg-image-import/1.0"
_CHUNK = 64 * 1024
_REDIRECTS = (301, 302, 303, 307, 308)
_HOST_CHARS = re.compile(r"[A-Za-z0-9._-]+|[0-9A-Fa-f:.]+(%[A-Za-z0-9._-]+)?")

#: ``resolver(host, port) -> list of IP address strings``; the default asks the system.
Resolver = Callable[[str, int], list[str]]


class FetchRefused(KonigleBgError, ValueError):
    """The URL was not fetched or did not give a usable image; ``str(e)`` is for the seller.

    Codes: ``bad_url``, ``scheme``, ``dns``, ``private_address``, ``too_many_redirects``,
    ``connection``, ``bad_response``, ``tls``, ``timeout``, ``http_status``, ``content_type``,
    ``too_large``,
    ``bad_image`` (then ``image_code`` holds the :class:`ImageRejected` code).
    """

    def __init__(self, code: str, *sentences: Sentence, image_code: str | None = None) -> None:
        super().__init__(code, *sentences)
        self.image_code = image_code


@dataclass(frozen=True)
class FetchedImage:
    url: str
    final_url: str
    content_type: str
    data: bytes


# --------------------------------------------------------------------------------------------
# Address checks


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_v4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address leads to: mapped, 6to4, Teredo server and client."""
    found = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    return found


def is_public_address(address: str) -> bool:
    """True only for a globally routable unicast address (and nothing it embeds is private)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip in _NAT64:
        # DNS64 answers on IPv6-only networks: judge the IPv4 address it translates to
        # (ipaddress files the whole prefix under the reserved ::/8).
        return is_public_address(str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
    if not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        return False
    if ip.is_private or ip.is_loopback or ip.is_link_local:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        return all(is_public_address(str(v4)) for v4 in _embedded_v4(ip))
    return True


def _system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


# --------------------------------------------------------------------------------------------
# One hop


@dataclass(frozen=True)
class _Target:
    url: str
    scheme: str
    host: str  # ASCII (IDNA) name or IP literal, no brackets
    port: int
    host_header: str
    path: str


def _parse(url: str) -> _Target:
    if len(url) > MAX_URL_LENGTH:
        raise FetchRefused("bad_url", gettext_noop("The address is too long."))
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise FetchRefused("bad_url", gettext_noop("The address is not a valid URL.")) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = f"'{scheme}:' " if scheme else ""
        raise FetchRefused(
            "scheme",
            (
                gettext_noop(
                    "Only http:// and https:// addresses can be imported, not %(shown)slinks."
                ),
                {"shown": shown},
            ),
        )
    if parts.username is not None or parts.password is not None:
        raise FetchRefused(
            "bad_url", gettext_noop("Addresses with a user name or password are not accepted.")
        )
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise FetchRefused("bad_url", gettext_noop("The address has no host name."))
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError as exc:
        raise FetchRefused("bad_url", gettext_noop("The host name is not valid.")) from exc
    if not _HOST_CHARS.fullmatch(host):  # also keeps control characters out of Host:
        raise FetchRefused("bad_url", gettext_noop("The host name is not valid."))
    default_port = 443 if scheme == "https" else 80
    port = port or default_port
    shown_host = f"[{host}]" if ":" in host else host
    host_header = shown_host if port == default_port else f"{shown_host}:{port}"
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return _Target(url, scheme, host, port, host_header, requote_uri(path))


def _canonical(value: str) -> str:
    """``"0:0::1"`` and ``"::1"`` are one address; names are compared lower-case."""
    value = value.strip().strip("[]").lower()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return value


def _choose_address(target: _Target, allow_hosts: frozenset[str], resolver: Resolver) -> str:
    """Resolve once and check every answer; return the address we will connect to."""
    allowed = {_canonical(h) for h in allow_hosts}
    try:
        addresses = [str(ipaddress.ip_address(target.host))]
    except ValueError:
        not_found = FetchRefused(
            "dns", (gettext_noop("The host %(host)s could not be found."), {"host": target.host})
        )
        try:
            answers = list(resolver(target.host, target.port))
            # Only IP literals: a name here would be resolved again by the socket layer.
            addresses = [str(ipaddress.ip_address(a)) for a in answers]
        except (OSError, UnicodeError, ValueError, TypeError) as exc:
            raise not_found from exc
        if not addresses:
            raise not_found from None
    host_allowed = _canonical(target.host) in allowed
    for address in addresses:
        if host_allowed or address in allowed:
            continue
        if not is_public_address(address):
            # One bad answer taints the name: mixing public and private answers is a trick.
            raise FetchRefused(
                "private_address",
                (
                    gettext_noop(
                        "The address %(host)s points into a private network; "
                        "only public web addresses can be imported."
                    ),
                    {"host": target.host},
                ),
            )
    return addresses[0]


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover - certifi comes with requests
        return ssl.create_default_context()


def _pool(target: _Target, address: str, timeout: urllib3.Timeout) -> urllib3.HTTPConnectionPool:
    """A connection pool whose socket goes to ``address``; names stay for Host/SNI/cert."""
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            target.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            ssl_context=_tls_context(),
            cert_reqs="CERT_REQUIRED",
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    return urllib3.HTTPConnectionPool(
        address, target.port, timeout=timeout, retries=False, maxsize=1
    )


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise FetchRefused(
                "timeout",
                (
                    gettext_noop(
                        "The server took longer than %(seconds)g seconds to send the image."
                    ),
                    {"seconds": self.seconds},
                ),
            )
        return left


# --------------------------------------------------------------------------------------------
# Public API


def fetch_image(
    url: str,
    *,
    max_bytes: int,
    timeout: float = 10,
    allow_hosts: frozenset[str] = frozenset(),
    resolver: Resolver | None = None,
    max_pixels: int = Limits.max_pixels,
) -> FetchedImage:
    """Download one image from a public http(s) URL, or raise :class:`FetchRefused`.

    ``timeout`` bounds the whole fetch, redirects included; no single connect or read waits
    longer than what is left of it. ``allow_hosts`` lists host names or IPs that may be
    private (tests, an internal CDN); nothing else reaches a non-public address.
    ``max_pixels`` is the pixel limit of the final :func:`io.probe` check.
    """
    resolver = resolver or _system_resolver
    deadline = _Deadline(timeout)
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        target = _parse(current)
        address = _choose_address(target, allow_hosts, resolver)
        status, location, content_type, data = _get(target, address, max_bytes, deadline)
        if status in _REDIRECTS:
            if not location:
                raise FetchRefused(
                    "http_status",
                    (
                        gettext_noop("The server sent a redirect (%(status)s) without a target."),
                        {"status": status},
                    ),
                )
            current = urljoin(current, location)
            continue
        try:
            probe(data, Limits(max_bytes=max_bytes, max_pixels=max_pixels))
        except ImageRejected as exc:
            raise FetchRefused(
                "bad_image",
                gettext_noop("The address did not give a usable image:"),
                *exc.sentences,
                image_code=exc.code,
            ) from exc
        return FetchedImage(url=url, final_url=current, content_type=content_type, data=data)
    raise FetchRefused(
        "too_many_redirects",
        (gettext_noop("The address redirected more than %(n)d times."), {"n": MAX_REDIRECTS}),
    )


def _get(
    target: _Target, address: str, max_bytes: int, deadline: _Deadline
) -> tuple[int, str | None, str, bytes]:
    """One GET to the pinned address: (status, location, content type, body)."""
    left = deadline.left()
    pool = _pool(target, address, urllib3.Timeout(connect=left, read=left))
    headers = {
        "Host": target.host_header,
        "User-Agent": USER_AGENT,
        # Formats we decode first: CDNs that negotiate would otherwise pick AVIF.
        "Accept": "image/jpeg,image/png,image/webp,image/gif;q=0.9,image/*;q=0.5",
        # Compressed transfer could hide a decompression bomb behind a small body.
        "Accept-Encoding": "identity",
    }
    try:
        resp = pool.urlopen(
            "GET",
            target.path,
            headers=headers,
            redirect=False,
            retries=False,
            preload_content=False,
            decode_content=False,
            assert_same_host=False,
        )
        try:
            return _read_response(resp, target, max_bytes, deadline)
        finally:
            resp.release_conn()
    except FetchRefused:
        raise
    except SSLError as exc:
        raise FetchRefused(
            "tls",
            (
                gettext_noop("The secure connection to %(host)s could not be verified."),
                {"host": target.host},
            ),
        ) from exc
    except ValueError as exc:  # http.client's own URL/header validation
        raise FetchRefused("bad_url", gettext_noop("The address is not a valid URL.")) from exc
    except (NewConnectionError, HTTPError, OSError) as exc:
        if _is_timeout(exc):
            raise FetchRefused(
                "timeout",
                (
                    gettext_noop("The server took longer than %(seconds)g seconds to answer."),
                    {"seconds": deadline.seconds},
                ),
            ) from exc
        if isinstance(exc, (NewConnectionError, OSError)):
            raise FetchRefused(
                "connection",
                (gettext_noop("Could not connect to %(host)s."), {"host": target.host}),
            ) from exc
        raise FetchRefused(
            "bad_response",
            (
                gettext_noop("The server at %(host)s sent a broken HTTP response."),
                {"host": target.host},
            ),
        ) from exc
    finally:
        pool.close()


def _is_timeout(exc: BaseException | None) -> bool:
    for _ in range(8):  # walk the cause chain a little: urllib3 wraps socket timeouts
        if exc is None:
            return False
        if isinstance(exc, (TimeoutError, ReadTimeoutError)) or (
            isinstance(exc, ConnectTimeoutError) and not isinstance(exc, NewConnectionError)
        ):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _read_response(
    resp: urllib3.BaseHTTPResponse, target: _Target, max_bytes: int, deadline: _Deadline
) -> tuple[int, str | None, str, bytes]:
    status = resp.status
    if status in _REDIRECTS:
        return status, resp.headers.get("Location"), "", b""
    if status != 200:
        raise FetchRefused(
            "http_status",
            (
                gettext_noop("The server answered %(status)s."),
                {"status": f"{status} {resp.reason or ''}".rstrip()},
            ),
        )
    content_type = (resp.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
    if not content_type.startswith("image/"):
        shown = content_type or "no content type"
        raise FetchRefused(
            "content_type",
            (
                gettext_noop("The address gave %(shown)s, not an image. Link to the image itself."),
                {"shown": shown},
            ),
        )
    encoding = (resp.headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding != "identity":
        raise FetchRefused(
            "content_type",
            (
                gettext_noop("The server sent the image compressed (%(encoding)s)."),
                {"encoding": encoding},
            ),
        )
    too_large = (
        gettext_noop("The image is larger than the %(limit)s limit."),
        {"limit": f"{max_bytes / (1024 * 1024):g} MB"},
    )
    length = resp.headers.get("Content-Length")
    if length is not None and length.strip().isdigit() and int(length) > max_bytes:
        raise FetchRefused("too_large", too_large)
    body = bytearray()
    while True:
        _set_read_timeout(resp, deadline.left())
        chunk = resp.read1(_CHUNK)
        if not chunk:
            break
        body += chunk
        if len(body) > max_bytes:
            raise FetchRefused("too_large", too_large)
    deadline.left()  # a body that finished after the deadline still counts as too slow
    return status, None, content_type, bytes(body)


def _set_read_timeout(resp: urllib3.BaseHTTPResponse, seconds: float) -> None:
    """Shrink the socket timeout to what is left of the deadline, so that one slow read
    cannot run past it."""
    sock = getattr(getattr(resp, "connection", None), "sock", None)
    if sock is not None:
        try:
            sock.settimeout(max(seconds, 0.001))
        except OSError:
            pass
