from django.utils.translation import gettext_lazy as _

from roles.errors import (  # noqa: F401 - re-exported for the views and API
    AuthorityLimitExceeded,
    Conflict,
    DomainError,
    FourEyesViolation,
    InvalidInput,
    NotAuthorized,
)


class CaseTransitionError(Conflict):
    code = "invalid_transition"
    default_message = _("This action is not possible in the case's current state.")


class CaseLocked(Conflict):
    code = "case_busy"
    default_message = _("Someone else is working on this case right now; try again in a moment.")


class CaseNotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _("No such case.")
