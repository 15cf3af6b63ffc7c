"""Response headers for the public site: content security and CDN caching.

The policy allows only this site's own scripts, styles, images and fetches.
Inline scripts and `unsafe-eval` stay allowed because Datasette's pages use
inline scripts and Vega compiles chart expressions at run time; everything
from other origins, framing, plugins and form posts elsewhere is refused.
"""
from datasette import hookimpl

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

        async def send_with_headers(event):
            if event["type"] == "http.response.start":
                headers = [(k, v) for k, v in event.get("headers", [])
                           if k.lower() not in HEADERS]
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
