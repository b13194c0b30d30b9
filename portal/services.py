"""Opening a person's portal account (the demo's and, next, registration's), recorded in the
audit trail."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.actors import as_actor
from audit.services import record_event
from roles.errors import InvalidInput

from .models import PortalAccount


def portal_account_open(*, person, password, actor):
    """Open ``person``'s portal account, signed in with their social security number and
    ``password``. ``actor``: who opens it (the registration step, or the demo loader as a job)."""
    User = get_user_model()
    validate_password(password)
    with transaction.atomic():
        if PortalAccount.objects.filter(person=person).exists() or User.objects.filter(username=person.ssn).exists():
            raise InvalidInput(_("This person already has a portal account."), field="person")
        user = User.objects.create_user(
            username=person.ssn, password=password, first_name=person.first_name, last_name=person.last_name
        )
        now = timezone.now()
        account = PortalAccount.objects.create(user=user, person=person, created_at=now)
        acting = as_actor(actor)
        record_event(
            subject_type="portal_account",
            subject_id=account.pk,
            action="portal_account.opened",
            actor=acting,
            payload={"person": person.pk, "login": user.get_username()},
        )
        return account
