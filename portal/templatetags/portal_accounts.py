from django import template

from portal import oidc

register = template.Library()


@register.simple_tag
def portal_identity_provider():
    """The name of the national identity provider, when sign-in through it is on; else ""."""
    return oidc.provider_name() if oidc.enabled() else ""
