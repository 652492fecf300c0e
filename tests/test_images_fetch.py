"""The image fetcher against a real HTTP server on 127.0.0.1: limits and the SSRF guard."""

from __future__ import annotations

import ipaddress
import shutil
import ssl
import subprocess

import pytest

from bookmaker.images import addresses
from bookmaker.images.addresses import AddressPolicy
from bookmaker.images.fetch import Fetcher, FetchError, FetchLimits
from imageserver import ImageServer, sample

#: Small limits so the hostile routes fail fast.
LIMITS = FetchLimits(connect_timeout=2.0, read_timeout=1.5, total_timeout=3.0,
                     max_bytes=512 * 1024, max_redirects=5)
#: Exactly the test server's address: 127.0.0.2 (the forbidden listener) stays refused.
ONLY_127_0_0_1 = AddressPolicy(also_allowed=(ipaddress.ip_network("127.0.0.1/32"),))


@pytest.fixture(scope="module")
def server():
    with ImageServer() as running:
        yield running


@pytest.fixture(scope="module")
def forbidden():
    try:
        target = ImageServer(host="127.0.0.2")
    except OSError as exc:
        pytest.skip(f"cannot listen on 127.0.0.2: {exc}")
    with target:
        yield target


@pytest.fixture(scope="module")
def fetcher():
    with Fetcher(ONLY_127_0_0_1, LIMITS) as running:
        yield running


def reason(fetcher: Fetcher, url: str) -> str:
    with pytest.raises(FetchError) as info:
        fetcher.fetch(url)
    return str(info.value)


def test_fetches_the_exact_bytes(server, fetcher):
    assert fetcher.fetch(server.url("/photo.jpg")) == sample("/photo.jpg")


def test_follows_redirects_by_hand(server, fetcher):
    server.clear()
    assert fetcher.fetch(server.url("/redirect/3")) == sample("/photo.jpg")
    assert [r.path for r in server.requests] == ["/redirect/3", "/redirect/2",
                                                 "/redirect/1", "/photo.jpg"]


def test_too_many_redirects(server, fetcher):
    server.clear()
    assert "more than 5 redirects" in reason(fetcher, server.url("/loop"))
    assert server.hits("/loop") == 6


def test_http_errors(server, fetcher):
    assert reason(fetcher, server.url("/missing.jpg")) == "HTTP 404"


def test_sends_the_host_name_while_connecting_to_the_checked_address(server):
    server.clear()
    with Fetcher(AddressPolicy(allow_private=True), LIMITS) as by_name:
        photo = by_name.fetch(f"http://localhost:{server.port}/photo.jpg")
    assert photo == sample("/photo.jpg")
    assert server.requests[-1].host == f"localhost:{server.port}"


def test_private_address_refused_without_any_request(server):
    server.clear()
    with Fetcher(AddressPolicy(), LIMITS) as public_only:
        assert reason(public_only, server.url("/photo.jpg")) == \
            "refused: a loopback address 127.0.0.1"
        assert "localhost resolves to a loopback address" in reason(
            public_only, f"http://localhost:{server.port}/photo.jpg")
        assert "loopback" in reason(public_only, f"http://2130706433:{server.port}/photo.jpg")
    assert server.hits() == 0


def test_redirect_to_a_forbidden_listener_never_reaches_it(server, forbidden, fetcher):
    assert fetcher.fetch(server.url("/photo.jpg"))  # the first hop is allowed...
    secret = forbidden.url("/secret.jpg")
    text = reason(fetcher, server.url(f"/redirect?to={secret}"))
    assert text == f"redirected to {secret}: refused: a loopback address 127.0.0.2"
    assert reason(fetcher, secret) == "refused: a loopback address 127.0.0.2"
    mapped = f"http://[::ffff:127.0.0.2]:{forbidden.port}/secret.jpg"
    text = reason(fetcher, server.url(f"/redirect?to={mapped}"))
    assert "loopback address 127.0.0.2" in text
    assert forbidden.hits() == 0


@pytest.mark.parametrize("policy", [ONLY_127_0_0_1, AddressPolicy(allow_private=True)])
def test_redirect_to_cloud_metadata_is_always_refused(server, policy):
    target = "http://169.254.169.254/latest/meta-data/"
    with Fetcher(policy, LIMITS) as guarded:
        text = reason(guarded, server.url(f"/redirect?to={target}"))
    assert "refused: a link-local address 169.254.169.254, never fetched" in text


@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://127.0.0.1/x.jpg",
                                      "gopher://127.0.0.1:6379/_INFO"])
def test_redirect_to_another_scheme_is_refused(server, fetcher, location):
    assert "refused: only http and https" in reason(fetcher,
                                                    server.url(f"/redirect?to={location}"))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/a.jpg",
                                 "data:image/png;base64,AAAA", "not a url"])
def test_only_http_and_https(fetcher, url):
    assert reason(fetcher, url).startswith(("refused: only http and https", "not a valid URL"))


def test_unresolvable_host(fetcher):
    assert reason(fetcher, "http://no-such-host.invalid/a.jpg") == \
        "cannot resolve host no-such-host.invalid"


def test_slow_response_stops_at_the_read_timeout(server, fetcher):
    assert reason(fetcher, server.url("/slow.jpg")) == \
        "timed out waiting for data (read timeout 1.5 s)"


def test_dripping_response_stops_at_the_total_timeout(server, fetcher):
    assert reason(fetcher, server.url("/drip.jpg")) == \
        "took longer than 3 s, stopped reading"


def test_endless_stream_stops_at_the_byte_cap(server, fetcher):
    assert reason(fetcher, server.url("/endless.jpg")) == \
        "larger than 512 KB, stopped reading"


def test_declared_length_over_the_cap_is_refused_before_reading(server, fetcher):
    assert reason(fetcher, server.url("/liar.jpg")) == "larger than 512 KB (declares 1024 MB)"


def test_compressed_responses_are_refused(server, fetcher):
    assert reason(fetcher, server.url("/gzip.jpg")) == "refused: compressed response (gzip)"


def test_nothing_listening(fetcher):
    with ImageServer() as gone:
        url = gone.url("/photo.jpg")
    assert reason(fetcher, url).startswith("cannot connect to 127.0.0.1")


def test_a_host_that_failed_is_not_tried_again_in_the_same_run(monkeypatch):
    lookups = []
    real_resolve = addresses.resolve

    def counting_resolve(host, port):
        lookups.append(host)
        return real_resolve(host, port)

    monkeypatch.setattr(addresses, "resolve", counting_resolve)
    with ImageServer() as gone:
        closed = gone.url("/photo.jpg")
    with Fetcher(ONLY_127_0_0_1, LIMITS) as fresh:
        for path in ("/a.jpg", "/b.jpg"):
            assert reason(fresh, f"http://no-such-host.invalid{path}") == \
                "cannot resolve host no-such-host.invalid"
        first, second = reason(fresh, closed), reason(fresh, closed + "?again")
    assert first == second and first.startswith("cannot connect to 127.0.0.1")
    assert lookups == ["no-such-host.invalid", "127.0.0.1"]


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "2",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


def test_https_goes_to_the_checked_address_with_the_real_name(tls_files):
    cert, key = tls_files
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    names = []
    context.sni_callback = lambda _socket, name, _context: names.append(name)
    trust = ssl.create_default_context(cafile=str(cert))
    with ImageServer(tls=context) as secure, \
            Fetcher(AddressPolicy(allow_private=True), LIMITS, verify=trust) as fetcher:
        # The request goes to 127.0.0.1, but TLS and HTTP speak of "localhost", and
        # the certificate is checked against that name.
        by_name = f"https://localhost:{secure.port}/photo.jpg"
        assert fetcher.fetch(by_name) == sample("/photo.jpg")
        assert names == ["localhost"]
        assert secure.requests[-1].host == f"localhost:{secure.port}"
        # A name the certificate does not cover still fails verification.
        assert "certificate verify failed" in reason(fetcher, secure.url("/photo.jpg"))
