"""Download one image over http(s) behind the SSRF guard, with timeouts and a byte cap."""

from __future__ import annotations

import ssl
import threading
import time
from dataclasses import dataclass

import httpx

from .addresses import AddressPolicy, AddressRefused, IPAddress, checked_addresses
from .urls import FETCHABLE_SCHEMES

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "bookmaker-image-fetcher/0.1"


@dataclass(frozen=True)
class FetchLimits:
    """How long and how much one image download may take."""

    connect_timeout: float = 10.0
    #: Longest wait for the next bytes of a response.
    read_timeout: float = 20.0
    #: Wall-clock budget for one image, redirects included: a server that drips a byte
    #: now and then never trips the read timeout.
    total_timeout: float = 60.0
    #: Bytes read from one response before giving up on it.
    max_bytes: int = 15 * 1024 * 1024
    max_redirects: int = 5


class FetchError(Exception):
    """An image could not be downloaded; the message is the one-line reason."""


class Fetcher:
    """Downloads images, one :meth:`fetch` per image; safe to share between threads.

    Why the connection goes to a literal address: if httpx resolved the host itself,
    the name could resolve to a public address when we check and to 127.0.0.1 when
    httpx connects (DNS rebinding). So each hop resolves the host once, checks every
    address, and sends the request to the checked address itself, with the real name
    in the ``Host`` header and, for https, as the TLS server name (``sni_hostname``),
    which is also the name the certificate is verified against. Keep-alive is off so
    a connection opened for one host name is never reused for another name that
    happens to share its address.
    """

    def __init__(self, policy: AddressPolicy, limits: FetchLimits | None = None, *,
                 verify: ssl.SSLContext | bool = True) -> None:
        """``verify``: certificate checking as httpx takes it (tests pass their own CA)."""
        self.policy = policy
        self.limits = limits or FetchLimits()
        # Hosts that did not resolve or accept a connection in this run, with the reason.
        # Offline, every image on static01.nyt.com would otherwise wait for its own
        # DNS failure or connect timeout.
        self._dead_hosts: dict[tuple[str, int], str] = {}
        self._lock = threading.Lock()
        self._client = httpx.Client(
            verify=verify,
            timeout=httpx.Timeout(connect=self.limits.connect_timeout,
                                  read=self.limits.read_timeout,
                                  write=self.limits.read_timeout,
                                  pool=self.limits.connect_timeout),
            follow_redirects=False,
            # Proxies from the environment would connect to hosts we never checked.
            trust_env=False,
            limits=httpx.Limits(max_connections=16, max_keepalive_connections=0),
            # identity: a compressed body could expand far past the byte cap in memory.
            headers={"User-Agent": USER_AGENT, "Accept": "image/*",
                     "Accept-Encoding": "identity"},
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def fetch(self, url: str) -> bytes:
        """The body of ``url``, following up to ``max_redirects`` redirects by hand.

        Raises :class:`FetchError` for anything short of a complete 200 response.
        """
        deadline = time.monotonic() + self.limits.total_timeout
        current = url
        for hop in range(self.limits.max_redirects + 1):
            if time.monotonic() > deadline:
                raise FetchError(f"took longer than {self.limits.total_timeout:g} s")
            try:
                body, location = self._hop(current, deadline)
            except FetchError as exc:
                if hop == 0:
                    raise
                raise FetchError(f"redirected to {current}: {exc}") from None
            if body is not None:
                return body
            assert location is not None
            current = location
        raise FetchError(f"more than {self.limits.max_redirects} redirects")

    def _hop(self, url: str, deadline: float) -> tuple[bytes | None, str | None]:
        """One request: ``(body, None)``, or ``(None, next URL)`` for a redirect."""
        target = _parse(url)
        host = target.raw_host.decode("ascii")
        port = target.port or (443 if target.scheme == "https" else 80)
        with self._lock:
            known_dead = self._dead_hosts.get((host, port))
        if known_dead:
            raise FetchError(known_dead)
        try:
            addresses = checked_addresses(host, port, self.policy)
        except AddressRefused as exc:
            raise FetchError(str(exc)) from None
        except (OSError, UnicodeError, ValueError):
            raise self._dead(host, port, f"cannot resolve host {host}") from None
        failure: Exception | None = None
        for address in addresses[:3]:
            try:
                return self._exchange(target, address, deadline)
            except httpx.ConnectError as exc:
                failure = exc
            except httpx.ConnectTimeout as exc:
                raise self._dead(host, port, _timeout_reason(exc, self.limits)) from None
            except httpx.TimeoutException as exc:
                raise FetchError(_timeout_reason(exc, self.limits)) from None
            except httpx.HTTPError as exc:
                raise FetchError(f"download failed: {_brief(exc)}") from None
        raise self._dead(host, port, f"cannot connect to {host}: {_brief(failure)}")

    def _dead(self, host: str, port: int, reason: str) -> FetchError:
        with self._lock:
            self._dead_hosts[(host, port)] = reason
        return FetchError(reason)

    def _exchange(self, target: httpx.URL, address: IPAddress,
                  deadline: float) -> tuple[bytes | None, str | None]:
        # Built from parts so that user:password@ in the address is never sent.
        pinned = httpx.URL(scheme=target.scheme, host=str(address), port=target.port,
                           raw_path=target.raw_path)
        extensions = {"sni_hostname": target.raw_host.decode("ascii")} \
            if target.scheme == "https" else {}
        request = self._client.build_request(
            "GET", pinned, headers={"Host": target.netloc.decode("ascii")},
            extensions=extensions)
        response = self._client.send(request, stream=True)
        try:
            status = response.status_code
            if status in REDIRECT_STATUSES:
                location = response.headers.get("location", "").strip()
                if not location:
                    raise FetchError(f"HTTP {status} redirect without a Location")
                try:
                    return None, str(target.join(location))
                except (httpx.InvalidURL, UnicodeError, ValueError):
                    raise FetchError(f"HTTP {status} redirect to an invalid URL") from None
            if status != 200:
                raise FetchError(f"HTTP {status}")
            return self._read_body(response, deadline), None
        finally:
            response.close()

    def _read_body(self, response: httpx.Response, deadline: float) -> bytes:
        cap = self.limits.max_bytes
        encoding = response.headers.get("content-encoding", "").strip().lower()
        if encoding not in ("", "identity"):
            raise FetchError(f"refused: compressed response ({encoding})")
        declared = response.headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > cap:
            raise FetchError(f"larger than {_size(cap)} (declares {_size(int(declared))})")
        chunks: list[bytes] = []
        received = 0
        for chunk in response.iter_raw():
            received += len(chunk)
            if received > cap:
                raise FetchError(f"larger than {_size(cap)}, stopped reading")
            if time.monotonic() > deadline:
                raise FetchError(
                    f"took longer than {self.limits.total_timeout:g} s, stopped reading")
            chunks.append(chunk)
        return b"".join(chunks)


def _parse(url: str) -> httpx.URL:
    try:
        target = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError, ValueError, UnicodeError):
        raise FetchError("not a valid URL") from None
    if target.scheme not in FETCHABLE_SCHEMES:
        scheme = f"{target.scheme}:" if target.scheme else "a relative address"
        raise FetchError(f"refused: only http and https are fetched, not {scheme}")
    if not target.raw_host:
        raise FetchError("not a valid URL (no host)")
    return target


def _timeout_reason(exc: httpx.TimeoutException, limits: FetchLimits) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return f"timed out connecting (after {limits.connect_timeout:g} s)"
    return f"timed out waiting for data (read timeout {limits.read_timeout:g} s)"


def _brief(exc: Exception | None) -> str:
    text = " ".join(str(exc).split()) if exc else ""
    return text[:120] or type(exc).__name__


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.4g} MB"
    if count >= 1024:
        return f"{count / 1024:.4g} KB"
    return f"{count} bytes"
