"""The portal on its own host name (``SOCIUS_PORTAL_HOST``): a request to that host is served
``portal.host_urls`` (the portal at the root, no staff page); every other host the main
urlconf, where the portal stays under ``/portal/``."""

from django.conf import settings
from django.http.request import split_domain_port
from django.urls import set_urlconf

HOST_URLCONF = "portal.host_urls"


def is_portal_host(request):
    host = settings.SOCIUS_PORTAL_HOST
    if not host:
        return False
    domain, _port = split_domain_port(request.get_host())
    return domain == host.lower()


class PortalHostMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_portal_host(request):
            request.urlconf = HOST_URLCONF
            set_urlconf(HOST_URLCONF)  # for the middleware that reverses before the view resolves
        return self.get_response(request)
