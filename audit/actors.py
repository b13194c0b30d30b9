"""Who acts: every service call names its actor, and the audit trail records its kind and identity.

- ``staff``: a staff member, by their account (delegation "on behalf of" is the grant's business);
- ``person``: an insured person, pensioner or beneficiary acting for themselves, through the
  portal (their account, when they have one) or in a letter the office records;
- ``employer``: an employer's user acting for the employer;
- ``representative``: someone acting for another person under a mandate: an approved
  representative payee, a power of attorney, an employer's accounting firm;
- ``system``: a job of the installation (the payment run, the deadline job, an import), by name.

``None`` is never an actor: a service refuses it, so that the trail can always tell a
citizen's request from a batch job. This module is a leaf: people and employers are named by
their registry ids, not by model instances of another app.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActorKind(models.TextChoices):
    STAFF = "staff", _("staff member")
    PERSON = "person", _("the person concerned")
    EMPLOYER = "employer", _("employer")
    REPRESENTATIVE = "representative", _("representative")
    SYSTEM = "system", _("system")


class ActorMissing(TypeError):
    """A service was called without naming who acts."""


@dataclass(frozen=True)
class Actor:
    kind: str
    user: object = None  # the account acting, when there is one
    identity: str = ""  # "person:12", "employer:3", "job:payment run"; staff are known by ``user``
    acting_for: str = ""  # representation: "person:12 payee:RP-2026-..." (whom, and by which mandate)

    # --- Makers ---------------------------------------------------------------------------------

    @classmethod
    def staff(cls, user):
        return cls(ActorKind.STAFF, user=user)

    @classmethod
    def person(cls, person, user=None):
        """``person`` (a registry Person, or its id) acting for themselves."""
        return cls(ActorKind.PERSON, user=user, identity=f"person:{_pk(person)}")

    @classmethod
    def employer(cls, employer, user=None):
        return cls(ActorKind.EMPLOYER, user=user, identity=f"employer:{_pk(employer)}")

    @classmethod
    def representative(cls, agent, person, mandate, user=None):
        """``agent`` (a registry Person) acting for ``person`` under ``mandate`` ("payee:<reference>",
        "attorney:<reference>", ...)."""
        return cls(
            ActorKind.REPRESENTATIVE,
            user=user,
            identity=f"person:{_pk(agent)}",
            acting_for=f"person:{_pk(person)} {mandate}".strip(),
        )

    @classmethod
    def system(cls, job):
        """A job of the installation, by its name ("payment run", "deadlines", ...)."""
        return cls(ActorKind.SYSTEM, identity=f"job:{job}")

    # --- Reading --------------------------------------------------------------------------------

    @property
    def is_staff(self):
        return self.kind == ActorKind.STAFF

    @property
    def is_system(self):
        return self.kind == ActorKind.SYSTEM

    @property
    def subject(self):
        """Whom the actor may act for outside the office: "person:12" or "employer:3" (or "")."""
        if self.kind == ActorKind.REPRESENTATIVE:
            return self.acting_for.split(" ", 1)[0]
        if self.kind in (ActorKind.PERSON, ActorKind.EMPLOYER):
            return self.identity
        return ""

    @property
    def label(self):
        """What the trail shows as the actor: the account's login, "system" for a job (named by
        ``identity``), or the identity of a person without an account."""
        if self.user is not None:
            return self.user.get_username()
        if self.is_system:
            return ActorKind.SYSTEM.value
        return self.identity


def _pk(value):
    return getattr(value, "pk", value)


def as_actor(actor):
    """An ``Actor`` for what a caller passed: an Actor, or a staff member's account."""
    if actor is None:
        raise ActorMissing("name the actor: a staff member, a person, an employer, a representative or the system")
    if isinstance(actor, Actor):
        return actor
    return Actor.staff(actor)


def account_of(actor):
    """The account behind ``actor`` (a User), or None (a person without an account, a job)."""
    if actor is None:
        return None
    return actor.user if isinstance(actor, Actor) else actor
