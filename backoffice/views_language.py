"""The language chooser of the page header: a POST of a language code, with CSRF."""

from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from roles import preferences


@require_POST
def set_language(request):
    """Switch the pages to the chosen language (cookie) and, for a signed-in user, remember it
    on the user so that it follows them to their next login. Then back to ``next``."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if language in preferences.language_codes():
        preferences.remember_in_session(request.session, language)
        if request.user.is_authenticated:
            preferences.language_set(user=request.user, language=language)
    return response
