from .context import client_address, request_context


class RequestContextMiddleware:
    """Gives every request an id and records the client address for the audit trail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-ID", "")[:64] or None
        with request_context(request_id=request_id, client_ip=client_address(request) or None):
            response = self.get_response(request)
        return response
