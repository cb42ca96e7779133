"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, request

# No inline script or style, nothing from another origin: the pages ship their own static files.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Flask-Admin's templates still carry inline scripts and onclick handlers: until they are
# overridden, its pages get the same policy with inline scripts allowed (and nothing else).
ADMIN_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "script-src 'self'", "script-src 'self' 'unsafe-inline'"
).replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def init_security_headers(app: Flask) -> None:
    """Add CSP, nosniff, framing and referrer headers to every response."""

    @app.after_request
    def _headers(response):
        admin = request.path.startswith("/admin")
        policy = ADMIN_CONTENT_SECURITY_POLICY if admin else CONTENT_SECURITY_POLICY
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # same-origin keeps Flask-WTF's HTTPS referrer check working (no-referrer breaks it).
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
