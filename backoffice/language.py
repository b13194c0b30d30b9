"""The language of the staff pages: the one the signed-in user chose, else Django's choice
(the language cookie, then the browser's Accept-Language, then English).

``UserLanguageMiddleware`` comes right after ``LocaleMiddleware``. It reads the language kept in
the session at login or when the user chooses one (``roles.preferences``), activates it, and
sets the language cookie to it, so the login page after a logout speaks the user's language too.
No query: the session is already loaded.
"""

from django.conf import settings
from django.utils import translation

from roles.preferences import SESSION_KEY, language_codes


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        language = session.get(SESSION_KEY) if session is not None else None
        if language not in language_codes():
            return self.get_response(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        # The session may have been flushed (logout) during the request: keep the cookie as the
        # user's last choice only while the session still holds it.
        if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language and SESSION_KEY in request.session:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
