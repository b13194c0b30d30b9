from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from roles import two_factor
from roles.errors import DomainError


class Command(BaseCommand):
    help = (
        "Remove a staff account's authenticator (TOTP device), recorded in the audit trail as done "
        "by the system; the holder sets up a new one at their next login."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account {username!r}.")
        try:
            two_factor.second_factor_reset(actor=None, user=user)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"The authenticator of {username} was removed; they set up a new one at their next login.")
