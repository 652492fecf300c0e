"""Image addresses: the weserv proxy form, the routes to an image and its cache key."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit, urlunsplit

#: Hosts of the images.weserv.nl resizing proxy; their ``url=`` parameter names the image.
WESERV_HOSTS = frozenset({"images.weserv.nl", "wsrv.nl"})

FETCHABLE_SCHEMES = ("http", "https")


def proxied_target(url: str) -> str | None:
    """The image a weserv proxy URL stands for, as an absolute URL; ``None`` otherwise.

    weserv accepts the target without a scheme (``url=static01.nyt.com/a.jpg``) or with
    the old ``ssl:`` prefix; both mean the image is reachable over https.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if (parts.hostname or "").lower() not in WESERV_HOSTS:
        return None
    values = parse_qs(parts.query).get("url")
    if not values or not values[0].strip():
        return None
    target = values[0].strip()
    if target.lower().startswith("ssl:"):
        target = target[4:]
    if target.startswith("//"):
        return "https:" + target
    if "://" not in target:
        return "https://" + target.lstrip("/")
    return target


def cache_key(url: str) -> str:
    """The identity of an image: the original address, with case-insensitive parts lowered.

    A weserv URL and the address it proxies share one key, so the image is fetched and
    stored once whichever form an article uses. The fragment never reaches a server.
    """
    original = proxied_target(url) or url.strip()
    try:
        parts = urlsplit(original)
    except ValueError:
        return original
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/",
                       parts.query, ""))


def routes(url: str) -> tuple[str, ...]:
    """The addresses to try for an image, best first.

    The original server comes first (no third party sees the request); the weserv
    proxy, when the article used it, is the fallback.
    """
    key = cache_key(url)
    if proxied_target(url) is None:
        return (key,)
    return (key, url.strip())


def is_fetchable(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) address with a host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in FETCHABLE_SCHEMES and bool(parts.hostname)
