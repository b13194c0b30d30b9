"""A staff member's own choices: the language of their pages.

The choice is stored on the user (``StaffPreference``) so that it follows them from one login
to the next, whatever the browser. At login it is read once (``on_user_logged_in``) and kept in
the session; ``backoffice.language.UserLanguageMiddleware`` applies it on every request from the
session alone, with no query.
"""

from django.conf import settings

from .models import StaffPreference

SESSION_KEY = "socius_language"


def language_codes():
    return [code for code, _name in settings.LANGUAGES]


def language_of(user):
    """The language the user chose, or None when they never chose one."""
    return StaffPreference.objects.filter(user=user).values_list("language", flat=True).first()


def language_set(*, user, language):
    """Store the user's language. An unknown code is refused with ValueError."""
    if language not in language_codes():
        raise ValueError(f"unknown language {language!r}")
    StaffPreference.objects.update_or_create(user=user, defaults={"language": language})


def remember_in_session(session, language):
    if language in language_codes():
        session[SESSION_KEY] = language


def on_user_logged_in(sender, request, user, **kwargs):
    """Signal receiver: bring the user's stored language into their new session."""
    if request is None or not hasattr(request, "session"):
        return
    language = language_of(user)
    if language:
        remember_in_session(request.session, language)
