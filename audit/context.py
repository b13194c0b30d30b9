"""Who and where an action comes from, for the audit trail (set per request or per job)."""

import contextvars
import uuid
from contextlib import contextmanager

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
