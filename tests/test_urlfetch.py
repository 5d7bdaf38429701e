"""URL import: every refusal, proven against a real local server (127.0.0.1 only).

Private addresses are reached only through a fake resolver and are never contacted: the
``_only_loopback`` fixture fails any test whose code tries to open a socket elsewhere.
"""

from __future__ import annotations

import http.server
import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from konigle_bg import urlfetch
from konigle_bg.urlfetch import FetchRefused, fetch_image, is_public_address
from tests.badfiles import RED, save

PNG = save(Image.new("RGB", (8, 6), RED), "PNG")
LOCAL = frozenset({"127.0.0.1"})
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _only_loopback(monkeypatch):
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        assert ipaddress.ip_address(host).is_loopback, f"test tried to connect to {address}"
        if host not in ("127.0.0.1", "::1"):
            raise ConnectionRefusedError(f"nothing listens on {host} in tests")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


# --------------------------------------------------------------------------------------------
# A scriptable local server


Handler = Callable[[http.server.BaseHTTPRequestHandler], None]


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # clients hanging up is the point here
        pass


@dataclass
class LocalServer:
    port: int
    routes: dict[str, Handler]
    seen: list[tuple[str, str]] = field(default_factory=list)  # (path, Host header)
    stop: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


def _reply(status: int, body: bytes = b"", ctype: str | None = "image/png", **headers):
    def handle(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        if ctype:
            h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(headers.get("length", len(body))))
        for k, v in headers.items():
            if k != "length":
                h.send_header(k.replace("_", "-"), v)
        h.end_headers()
        h.wfile.write(body)

    return handle


def _redirect(location: str, status: int = 302) -> Handler:
    return _reply(status, b"", None, Location=location)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    state: dict[str, LocalServer] = {}

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 - http.server's naming
            srv = state["srv"]
            srv.seen.append((self.path, self.headers.get("Host", "")))
            route = srv.routes.get(self.path.split("?")[0])
            if route is None:
                _reply(404, b"", "text/plain")(self)
            else:
                route(self)

        def log_message(self, *args):  # keep test output quiet
            pass

    httpd = QuietServer(("127.0.0.1", 0), H)
    srv = LocalServer(port=httpd.server_address[1], routes={})
    state["srv"] = srv
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield srv
    finally:
        srv.stop.set()  # wakes slow handlers
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def _refused(code: str, url: str, **kw) -> FetchRefused:
    kw.setdefault("max_bytes", MB)
    kw.setdefault("timeout", 3)
    with pytest.raises(FetchRefused) as exc:
        fetch_image(url, **kw)
    assert exc.value.code == code, (exc.value.code, str(exc.value))
    assert str(exc.value).endswith(".")
    return exc.value


def _resolve_to(*addresses: str):
    calls: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return list(addresses)

    resolver.calls = calls  # type: ignore[attr-defined]
    return resolver


# --------------------------------------------------------------------------------------------
# Success


def test_fetches_an_image(server):
    server.routes["/p.png"] = _reply(200, PNG, "image/png; charset=binary")
    got = fetch_image(server.url("/p.png?v=1"), max_bytes=MB, allow_hosts=LOCAL)
    assert got.data == PNG
    assert got.content_type == "image/png"
    assert got.url == got.final_url == server.url("/p.png?v=1")
    assert server.seen == [("/p.png?v=1", f"127.0.0.1:{server.port}")]


def test_follows_relative_redirects_up_to_five(server):
    for i in range(5):
        server.routes[f"/r{i}"] = _redirect(f"/r{i + 1}" if i < 4 else "/p.png", 301 + i % 2)
    server.routes["/p.png"] = _reply(200, PNG)
    got = fetch_image(server.url("/r0"), max_bytes=MB, allow_hosts=LOCAL)
    assert got.final_url == server.url("/p.png") and got.data == PNG
    assert len(server.seen) == 6


def test_too_many_redirects(server):
    server.routes["/loop"] = _redirect("/loop")
    _refused("too_many_redirects", server.url("/loop"), allow_hosts=LOCAL)
    assert len(server.seen) == 6  # the first request and 5 redirects, then stop


# --------------------------------------------------------------------------------------------
# URLs


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/a.jpg",
        "gopher://example.com:70/_GET",
        "javascript:alert(1)",
        "data:image/png;base64,iVBORw0KGgo=",
        "//example.com/a.jpg",
        "example.com/a.jpg",
    ],
)
def test_non_http_schemes(url):
    resolver = _resolve_to("93.184.216.34")
    _refused("scheme", url, resolver=resolver)
    assert resolver.calls == []


@pytest.mark.parametrize(
    "url",
    [
        "http://user:pw@example.com/a.jpg",
        "http://example.com:99999/a.jpg",
        "http:///a.jpg",
        "http://exa mple.com/a.jpg",
        "http://a\x00b.example/a.jpg",
        "http://a%0d%0aX-Injected:1.example/a.jpg",
        "http://" + "a" * 5000 + ".example/a.jpg",
    ],
)
def test_malformed_urls(url):
    _refused("bad_url", url, resolver=_resolve_to("93.184.216.34"))


# --------------------------------------------------------------------------------------------
# Private addresses


def test_loopback_needs_the_allow_list(server):
    server.routes["/p.png"] = _reply(200, PNG)
    _refused("private_address", server.url("/p.png"))
    # Numeric spellings of 127.0.0.1 resolve to it and are refused the same way.
    for host in ("2130706433", "0x7f.0.0.1", "127.1"):
        _refused("private_address", server.url("/p.png", host))
    _refused("private_address", f"http://[::1]:{server.port}/p.png")
    assert server.seen == []


PRIVATE = [
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",
    "127.0.0.1",
    "0.0.0.0",
    "100.64.0.1",
    "224.0.0.1",
    "255.255.255.255",
    "240.0.0.1",
    "198.18.0.1",
    "::1",
    "::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fe80::1%eth0",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
]


@pytest.mark.parametrize("address", PRIVATE)
def test_private_addresses_via_dns_are_refused(address):
    resolver = _resolve_to(address)
    err = _refused("private_address", "http://shop.example/p.png", resolver=resolver)
    assert "private network" in str(err)
    assert resolver.calls == ["shop.example"]


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "93.184.216.34", "2606:4700::1111", "64:ff9b::808:808"]
)
def test_public_addresses_are_public(address):
    assert is_public_address(address)


@pytest.mark.parametrize("address", [*PRIVATE, "not-an-ip", ""])
def test_private_addresses_are_not_public(address):
    assert not is_public_address(address)


def test_one_private_answer_taints_the_name():
    _refused(
        "private_address",
        "http://shop.example/p.png",
        resolver=_resolve_to("93.184.216.34", "10.0.0.1"),
    )


def test_resolver_must_answer_with_addresses():
    # A name in the answer would be resolved again by the socket layer, unchecked.
    _refused("dns", "http://shop.example/p.png", resolver=_resolve_to("localhost"))


def test_allow_list_compares_canonical_addresses(server):
    server.routes["/p.png"] = _reply(200, PNG)
    got = fetch_image(
        f"http://cdn.internal:{server.port}/p.png",
        max_bytes=MB,
        allow_hosts=frozenset({"CDN.Internal"}),
        resolver=_resolve_to("127.0.0.1"),
    )
    assert got.data == PNG
    assert urlfetch._canonical("0:0:0:0:0:0:0:1") == urlfetch._canonical("[::1]") == "::1"


def test_dns_failure():
    def failing(host, port):
        raise socket.gaierror("Name or service not known")

    _refused("dns", "http://no-such-host.example/p.png", resolver=failing)
    _refused("dns", "http://empty.example/p.png", resolver=_resolve_to())


def test_redirect_to_a_private_address_is_refused(server):
    server.routes["/meta"] = _redirect("http://169.254.169.254/latest/meta-data/")
    server.routes["/named"] = _redirect("http://intranet.example/secret.png")
    server.routes["/file"] = _redirect("file:///etc/passwd")
    _refused("private_address", server.url("/meta"), allow_hosts=LOCAL)
    _refused(
        "private_address",
        server.url("/named"),
        allow_hosts=LOCAL,
        resolver=_resolve_to("10.1.2.3"),
    )
    _refused("scheme", server.url("/file"), allow_hosts=LOCAL)


def test_dns_rebinding_connects_to_the_checked_address(server):
    """The name resolves to an allowed address once, then to another loopback address.

    One resolution per hop, and the socket goes to the first answer: the fetch succeeds from
    the server on 127.0.0.1 and the second answer is never used (nothing listens there, so a
    client that resolved again would fail)."""
    server.routes["/p.png"] = _reply(200, PNG)
    answers = iter([["127.0.0.1"], ["127.0.0.2"], ["127.0.0.2"]])
    calls = []

    def rebinding(host, port):
        calls.append((host, port))
        return next(answers)

    got = fetch_image(
        f"http://rebind.example:{server.port}/p.png",
        max_bytes=MB,
        allow_hosts=LOCAL,
        resolver=rebinding,
    )
    assert got.data == PNG
    assert calls == [("rebind.example", server.port)]
    assert server.seen == [("/p.png", f"rebind.example:{server.port}")]


def test_rebinding_on_a_redirect_hop_is_checked_again(server):
    server.routes["/hop"] = _redirect("/p.png")
    server.routes["/p.png"] = _reply(200, PNG)
    answers = iter([["127.0.0.1"], ["127.0.0.2"]])
    _refused(
        "private_address",
        f"http://rebind.example:{server.port}/hop",
        allow_hosts=LOCAL,
        resolver=lambda host, port: next(answers),
    )
    assert [p for p, _ in server.seen] == ["/hop"]


# --------------------------------------------------------------------------------------------
# Responses


def test_oversize_by_content_length(server):
    server.routes["/big.png"] = _reply(200, b"", length=50 * MB)
    err = _refused("too_large", server.url("/big.png"), allow_hosts=LOCAL, max_bytes=MB)
    assert "1 MB" in str(err)


def test_oversize_while_streaming_chunked(server):
    def chunked(h):
        h.send_response(200)
        h.send_header("Content-Type", "image/png")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        piece = b"\x89" * 16384
        try:
            for _ in range(200):  # 3.2 MB if nobody stops reading
                h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            h.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the client hung up, as it should

    server.routes["/stream.png"] = chunked
    _refused("too_large", server.url("/stream.png"), allow_hosts=LOCAL, max_bytes=100_000)


def test_slow_server_times_out(server):
    def slow(h):
        server.stop.wait(5)

    server.routes["/slow.png"] = slow
    start = time.monotonic()
    _refused("timeout", server.url("/slow.png"), allow_hosts=LOCAL, timeout=0.5)
    assert time.monotonic() - start < 1.5


def test_dripping_server_hits_the_total_deadline(server):
    def drip(h):
        h.send_response(200)
        h.send_header("Content-Type", "image/png")
        h.send_header("Content-Length", "100000")
        h.end_headers()
        try:
            while not server.stop.wait(0.05):
                h.wfile.write(b"\x00")
                h.wfile.flush()
        except OSError:
            pass

    server.routes["/drip.png"] = drip
    start = time.monotonic()
    _refused("timeout", server.url("/drip.png"), allow_hosts=LOCAL, timeout=0.6)
    assert time.monotonic() - start < 1.5


@pytest.mark.parametrize("ctype", ["text/html; charset=utf-8", "application/octet-stream", None])
def test_wrong_content_type(server, ctype):
    server.routes["/page"] = _reply(200, b"<html></html>", ctype)
    _refused("content_type", server.url("/page"), allow_hosts=LOCAL)


def test_compressed_body_is_refused(server):
    server.routes["/gz.png"] = _reply(200, b"\x1f\x8b", Content_Encoding="gzip")
    _refused("content_type", server.url("/gz.png"), allow_hosts=LOCAL)


def test_html_served_as_jpeg(server):
    server.routes["/fake.jpg"] = _reply(200, b"<!DOCTYPE html><html>login</html>", "image/jpeg")
    err = _refused("bad_image", server.url("/fake.jpg"), allow_hosts=LOCAL)
    assert err.image_code == "not_an_image"


def test_pixel_limit_is_the_callers(server):
    server.routes["/p.png"] = _reply(200, PNG)  # 8 x 6 = 48 pixels
    err = _refused("bad_image", server.url("/p.png"), allow_hosts=LOCAL, max_pixels=47)
    assert err.image_code == "too_many_pixels"
    assert fetch_image(server.url("/p.png"), max_bytes=MB, allow_hosts=LOCAL, max_pixels=48)


def test_truncated_image_is_refused(server):
    server.routes["/cut.png"] = _reply(200, PNG[:40], "image/png")
    assert _refused("bad_image", server.url("/cut.png"), allow_hosts=LOCAL).image_code in (
        "truncated",
        "corrupt",
    )


@pytest.mark.parametrize("status", [404, 500, 403])
def test_http_errors(server, status):
    server.routes["/x.png"] = _reply(status, b"nope", "text/plain")
    err = _refused("http_status", server.url("/x.png"), allow_hosts=LOCAL)
    assert str(status) in str(err)


def test_proxy_environment_is_ignored(server, monkeypatch):
    # A proxy would resolve the name again on its side and undo the address check.
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.setenv(var, "http://10.9.9.9:3128")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    server.routes["/p.png"] = _reply(200, PNG)
    assert fetch_image(server.url("/p.png"), max_bytes=MB, allow_hosts=LOCAL).data == PNG


def test_accept_header_prefers_formats_we_decode(server):
    accepts = []

    def record(h):
        accepts.append(h.headers.get("Accept", ""))
        _reply(200, PNG)(h)

    server.routes["/p.png"] = record
    fetch_image(server.url("/p.png"), max_bytes=MB, allow_hosts=LOCAL)
    assert accepts[0].startswith("image/jpeg") and "avif" not in accepts[0]


def test_broken_http_response(server):
    server.routes["/twice.png"] = _reply(200, PNG, length="10, 20")
    _refused("bad_response", server.url("/twice.png"), allow_hosts=LOCAL)


def test_ipv6_loopback_server_with_allow_list():
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            _reply(200, PNG)(self)

        def log_message(self, *args):
            pass

    class Server6(QuietServer):
        address_family = socket.AF_INET6

    try:
        httpd = Server6(("::1", 0), H)
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        url = f"http://[::1]:{httpd.server_address[1]}/p.png"
        _refused("private_address", url)
        assert fetch_image(url, max_bytes=MB, allow_hosts=frozenset({"::1"})).data == PNG
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_connection_refused():
    with socket.socket() as s:  # a port that was free a moment ago
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _refused("connection", f"http://127.0.0.1:{port}/p.png", allow_hosts=LOCAL)


# --------------------------------------------------------------------------------------------
# TLS: the socket goes to the pinned IP, SNI and the certificate check use the name


@pytest.fixture
def tls_server(tmp_path, monkeypatch) -> Iterator[int]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not available to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-subj",
            "/CN=shop.example",
            "-addext",
            "subjectAltName=DNS:shop.example",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=20,
    )
    client_ctx = ssl.create_default_context(cafile=str(cert))
    monkeypatch.setattr(urlfetch, "_tls_context", lambda: client_ctx)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(str(cert), str(key))
    sni_seen: list[str | None] = []
    server_ctx.sni_callback = lambda sock, name, ctx: sni_seen.append(name)

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            _reply(200, PNG)(self)

        def log_message(self, *args):
            pass

    httpd = QuietServer(("127.0.0.1", 0), H)
    httpd.socket = server_ctx.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield httpd.server_address[1], sni_seen
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_https_pins_ip_but_verifies_the_name(tls_server):
    port, sni_seen = tls_server
    resolver = _resolve_to("127.0.0.1")
    got = fetch_image(
        f"https://shop.example:{port}/p.png",
        max_bytes=MB,
        allow_hosts=frozenset({"shop.example"}),
        resolver=resolver,
    )
    assert got.data == PNG
    assert sni_seen == ["shop.example"]
    # Same IP, another name: the certificate does not match it, so TLS refuses.
    _refused(
        "tls",
        f"https://other.example:{port}/p.png",
        allow_hosts=frozenset({"other.example"}),
        resolver=resolver,
    )


# --------------------------------------------------------------------------------------------
# Whatever a seller types, the answer is FetchRefused (here: before any socket is opened)

_URLISH = st.builds(
    lambda scheme, host, port, path: f"{scheme}{host}{port}{path}",
    st.sampled_from(["http://", "https://", "HTTP://", "ftp://", "", "//", "http:/", "http:\\\\"]),
    st.one_of(
        st.text(max_size=30),
        st.sampled_from(["example.com", "[::1]", "[fe80::1%25eth0]", "127.1", "xn--d1a.example"]),
    ),
    st.sampled_from(["", ":80", ":0", ":65536", ":-1", ":abc", ":"]),
    st.text(max_size=30),
)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(url=st.one_of(_URLISH, st.text(max_size=60)))
def test_any_text_gives_fetch_refused(url):
    # Every name resolves to a private address and nothing is allow-listed: nothing may connect.
    with pytest.raises(FetchRefused):
        fetch_image(url, max_bytes=MB, timeout=1, resolver=lambda host, port: ["10.0.0.1"])
