"""Fixtures shared across the test suite: the seed article and the fixture folders."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The reference article of DESIGN.md §1."""
    return TESTS.parent / "seeds" / "000_ecd4ffb1dd5f90be.txt"


@pytest.fixture(scope="session")
def seed_article(seed_path):
    """The seed, parsed once for every test that only reads it."""
    from bookmaker.reader import parse_file

    return parse_file(seed_path)


@pytest.fixture(scope="session")
def odd_dir() -> Path:
    """A folder of odd, broken and hostile article files (``bookmaker list`` works on it)."""
    return TESTS / "fixtures" / "odd"


_LOCAL_HOSTS = ("localhost", "127.", "::1", "0:0:0:0:0:0:0:1")


def _is_local(host: object) -> bool:
    return isinstance(host, str) and host.startswith(_LOCAL_HOSTS)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Tests never reach beyond this machine: any lookup or connection to a host other
    than loopback fails at once, as it would on a machine without network."""
    import socket

    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect

    def getaddrinfo(host, port=None, *args, **kwargs):
        if host is None or _is_local(host):
            return real_getaddrinfo(host, port, *args, **kwargs)
        try:  # an address literal needs no name service; connect() judges the address
            return real_getaddrinfo(host, port, flags=socket.AI_NUMERICHOST)
        except socket.gaierror:
            raise socket.gaierror(socket.EAI_NONAME,
                                  f"network disabled in tests: {host}") from None

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
            raise OSError(f"network disabled in tests: {address[0]}")
        return real_connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture(scope="session", autouse=True)
def _throwaway_user_cache(tmp_path_factory):
    """Builds that fall back to the user's cache folder use a throwaway one instead, so
    tests neither read nor fill ``~/.cache/bookmaker`` (subprocesses inherit it through
    the environment)."""
    folder = tmp_path_factory.mktemp("user-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(folder))
        yield folder
