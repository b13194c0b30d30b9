"""Domain errors: a readable message for people and a stable code and HTTP status for programs.

Views map them to a form error or a message; the API maps them to the status and code.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "domain_error"
    status = 400
    default_message = _("The request cannot be carried out.")

    def __init__(self, message=None, *, field=None, **params):
        self.message = str(message or self.default_message)
        self.field = field
        self.params = params
        super().__init__(self.message)

    def as_dict(self):
        data = {"code": self.code, "message": self.message}
        if self.field:
            data["field"] = self.field
        return data


class NotAuthorized(DomainError):
    code = "not_authorized"
    status = 403
    default_message = _("You are not authorised to do this.")


class AuthorityLimitExceeded(NotAuthorized):
    code = "authority_limit_exceeded"
    default_message = _("The amount is above your authority limit.")


class FourEyesViolation(NotAuthorized):
    code = "four_eyes"
    default_message = _("Whoever prepared or recommended a decision cannot approve it.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = _("The record was changed meanwhile; reload and try again.")


class InvalidInput(DomainError):
    code = "invalid"
    status = 422
    default_message = _("The input is not valid.")
