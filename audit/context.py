"""Who and where an action comes from, for the audit trail (set per request or per job)."""

import contextvars
import uuid
from contextlib import contextmanager

from django.conf import settings

_request_id = contextvars.ContextVar("audit_request_id", default="")
_client_ip = contextvars.ContextVar("audit_client_ip", default=None)


def current_request_id():
    return _request_id.get()


def current_client_ip():
    return _client_ip.get()


@contextmanager
def request_context(*, request_id=None, client_ip=None):
    t1 = _request_id.set(request_id or uuid.uuid4().hex)
    t2 = _client_ip.set(client_ip)
    try:
        yield
    finally:
        _request_id.reset(t1)
        _client_ip.reset(t2)


def client_address(request):
    """The client's address: REMOTE_ADDR, or with ``SOCIUS_TRUSTED_PROXY_COUNT`` = n proxies in
    front, the n-th address from the right of X-Forwarded-For (the one the outermost trusted
    proxy saw). Addresses further left are set by the client and never trusted."""
    remote = request.META.get("REMOTE_ADDR") or ""
    proxies = getattr(settings, "SOCIUS_TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote[:45]
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote[:45]
    return forwarded[-proxies][:45]
