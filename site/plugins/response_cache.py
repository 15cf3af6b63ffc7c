"""An in-process cache of whole responses, for a site whose database never changes.

A release's database is immutable, so the page for a given URL is the same
every time it is asked for. The first GET of a URL is rendered by Datasette;
later ones are answered from memory. Only successful GETs without cookies are
kept, never responses that set a cookie or forbid caching, never bodies over
CACHE_MAX_BODY, and the least recently used entries go first once the total
passes CACHE_MAX_BYTES, so distinct URLs cannot exhaust memory.
"""
from __future__ import annotations

from collections import OrderedDict

from datasette import hookimpl

CACHE_MAX_BYTES = 64 * 1024 * 1024
CACHE_MAX_BODY = 2 * 1024 * 1024
UNCACHEABLE = (b"no-store", b"no-cache", b"private", b"max-age=0")


class ResponseCache:
    def __init__(self, max_bytes: int = CACHE_MAX_BYTES, max_body: int = CACHE_MAX_BODY):
        self.entries: OrderedDict[bytes, tuple[int, list, bytes]] = OrderedDict()
        self.max_bytes, self.max_body, self.size = max_bytes, max_body, 0
        self.hits = self.misses = 0

    def get(self, key: bytes):
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
            self.hits += 1
        else:
            self.misses += 1
        return entry

    def put(self, key: bytes, status: int, headers: list, body: bytes) -> None:
        if key in self.entries:
            return
        self.entries[key] = (status, headers, body)
        self.size += len(body)
        while self.size > self.max_bytes and self.entries:
            _, (_, _, old) = self.entries.popitem(last=False)
            self.size -= len(old)


def cacheable_request(scope) -> bool:
    if scope["type"] != "http" or scope.get("method") != "GET":
        return False
    return not any(k.lower() in (b"cookie", b"authorization") for k, _ in scope.get("headers", []))


def cacheable_response(status: int, headers: list) -> bool:
    if status != 200:
        return False
    for k, v in headers:
        k = k.lower()
        if k == b"set-cookie":
            return False
        if k == b"cache-control" and any(u in v.lower() for u in UNCACHEABLE):
            return False
    return True


def wrap(app, cache: ResponseCache):
    async def wrapped(scope, receive, send):
        if not cacheable_request(scope):
            await app(scope, receive, send)
            return
        key = scope.get("raw_path", scope["path"].encode()) + b"?" + scope.get("query_string", b"")
        hit = cache.get(key)
        if hit is not None:
            status, headers, body = hit
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        state = {"keep": False, "chunks": [], "size": 0}

        async def recording_send(event):
            if event["type"] == "http.response.start":
                state["status"], state["headers"] = event["status"], list(event.get("headers", []))
                state["keep"] = cacheable_response(event["status"], state["headers"])
            elif event["type"] == "http.response.body" and state["keep"]:
                chunk = event.get("body", b"")
                state["size"] += len(chunk)
                if state["size"] > cache.max_body:
                    state["keep"], state["chunks"] = False, []
                else:
                    state["chunks"].append(chunk)
                    if not event.get("more_body", False):
                        cache.put(key, state["status"], state["headers"], b"".join(state["chunks"]))
            await send(event)

        await app(scope, receive, recording_send)

    return wrapped


@hookimpl
def asgi_wrapper(datasette):
    cache = ResponseCache()
    datasette._response_cache = cache  # for inspection in tests

    def wrapper(app):
        return wrap(app, cache)

    return wrapper
