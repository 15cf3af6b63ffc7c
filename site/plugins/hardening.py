"""Hardening of the public site: security and cache headers, no debug pages.

The policy allows only this site's own scripts, styles, images and fetches.
Inline scripts and `unsafe-eval` stay allowed because Datasette's pages use
inline scripts and Vega compiles chart expressions at run time; everything
from other origins, framing, plugins and form posts elsewhere is refused.
"""
import asyncio
import threading

import datasette.handle_exception
from datasette import hookimpl

# Datasette prints every error (even a refused SQL statement) as a rich
# traceback with all local variables when `rich` is installed. That takes about
# a quarter of a second on the event loop per error, so a visitor sending bad
# SQL could stall every other page. Errors are still answered as usual.
datasette.handle_exception.rich = None

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

# Datasette's debugging pages: not for a public read-only site.
DEBUG_PATHS = {"/-/messages", "/-/allow-debug", "/-/threads", "/-/permissions", "/-/patterns",
               "/-/actor", "/-/actor.json"}

HEADERS = {
    b"content-security-policy": CONTENT_SECURITY_POLICY.encode(),
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"strict-origin-when-cross-origin",
    b"x-frame-options": b"DENY",
}

# A release's database never changes, so a shared cache (CDN) may keep any
# successful GET for a day; browsers revalidate after Datasette's own TTL.
SHARED_CACHE = b"s-maxage=86400"
DEFAULT_CACHE = b"public, max-age=3600, s-maxage=86400"


def _cache_control(existing: bytes | None) -> bytes | None:
    if existing is None:
        return DEFAULT_CACHE
    lowered = existing.lower()
    if b"no-store" in lowered or b"no-cache" in lowered or b"private" in lowered \
            or b"max-age=0" in lowered:
        return existing
    parts = [existing]
    if b"public" not in lowered:
        parts.insert(0, b"public")
    if b"s-maxage" not in lowered:
        parts.append(SHARED_CACHE)
    return b", ".join(parts)


def add_headers(app):
    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        is_get = scope.get("method") in ("GET", "HEAD")
        if scope.get("method") not in ("GET", "HEAD", "OPTIONS"):
            # A read-only site: nothing accepts a write, so refuse it before any view runs.
            await send({"type": "http.response.start", "status": 405,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                    (b"allow", b"GET, HEAD, OPTIONS"), *HEADERS.items()]})
            await send({"type": "http.response.body", "body": b"Method not allowed: this site is read-only\n"})
            return
        if scope.get("path", "").rstrip("/") in DEBUG_PATHS:
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                    *HEADERS.items()]})
            await send({"type": "http.response.body", "body": b"Not found\n"})
            return

        async def send_with_headers(event):
            if event["type"] == "http.response.start":
                headers = [(k, v) for k, v in event.get("headers", [])
                           if k.lower() not in HEADERS]
                # Datasette's database download declares both a length and chunked
                # encoding, which strict HTTP clients reject; the length is right.
                names = {k.lower() for k, _ in headers}
                if b"content-length" in names and b"transfer-encoding" in names:
                    headers = [(k, v) for k, v in headers if k.lower() != b"transfer-encoding"]
                headers += list(HEADERS.items())
                if is_get and event["status"] == 200:
                    existing = next((v for k, v in headers if k.lower() == b"cache-control"), None)
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", _cache_control(existing)))
                event = dict(event, headers=headers)
            await send(event)

        await app(scope, receive, send_with_headers)

    return wrapped


@hookimpl
def asgi_wrapper(datasette):
    return add_headers


@hookimpl
def startup(datasette):
    """Start every SQL thread now.

    Python's thread pool only adds a thread when it sees no idle one, and it
    counts idle threads loosely: after a run of one-at-a-time requests it can
    still have a single thread, so one slow query would make every other page
    wait behind it. Starting all `num_sql_threads` threads up front (each waits
    at a barrier until all exist) keeps the others free for normal pages.
    """
    async def inner():
        executor = datasette.executor
        if executor is None:
            return
        workers = executor._max_workers
        barrier = threading.Barrier(workers)
        await asyncio.gather(*(asyncio.wrap_future(executor.submit(barrier.wait, 10))
                               for _ in range(workers)))

    return inner
