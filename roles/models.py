"""The organisation tree, staff roles held at a unit, delegations and authority limits."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """The codes of the levels every installation starts with (the demo's shape), top down. The
    levels themselves are data (``OrgLevel``): an installation adds its own, at any depth."""

    CENTRAL = "central", _("Central office")
    REGION = "region", _("Regional office")
    BRANCH = "branch", _("Branch")


# (code, name, rank) of the levels every installation starts with (migration 0004 creates them).
DEFAULT_LEVELS = [("central", "Central office", 0), ("region", "Regional office", 1), ("branch", "Branch", 2)]


class OrgLevel(models.Model):
    """A level of the organisation tree. ``rank`` 0 is the top; a unit's children are of a level of
    greater rank (lower in the tree), so the tree is as deep as the levels an installation defines.
    ``name`` is shown through gettext (``label``): the catalogues may translate it."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    rank = models.PositiveSmallIntegerField(_("rank"))

    class Meta:
        verbose_name = _("organisation level")
        verbose_name_plural = _("organisation levels")
        ordering = ["rank", "code"]

    def __str__(self):
        return self.label

    @property
    def label(self):
        return gettext(self.name)


class Role(models.TextChoices):
    OPERATOR = "operator", _("Operator")
    SUPERVISOR = "supervisor", _("Supervisor")
    BRANCH_MANAGER = "branch_manager", _("Branch manager")
    FINANCE_OFFICER = "finance_officer", _("Finance officer")
    MEDICAL_COMMISSION = "medical_commission", _("Medical commission member")
    ADMINISTRATOR = "administrator", _("Administrator")
    AUDITOR = "auditor", _("Auditor")


class OrgUnit(models.Model):
    """A unit of the organisation. ``path`` is a materialised path ("0001.0002.") so that a
    unit's subtree is a prefix match on one indexed column."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=30)  # the code of an OrgLevel
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    path = models.CharField(max_length=255, unique=True, editable=False)
    # The unit's level read through its code (no column of its own): select_related("org_level").
    org_level = models.ForeignObject(
        OrgLevel, on_delete=models.PROTECT, from_fields=["level"], to_fields=["code"], related_name="units"
    )

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="orgunit_path_prefix", opclasses=["varchar_pattern_ops"]),
        ]
        permissions = [
            ("work_cases", _("Work on cases of the unit")),
            ("decide_cases", _("Decide cases of the unit")),
            ("manage_staff", _("Manage staff of the unit")),
            ("medical_cases", _("Sit on medical commissions of the unit")),
            ("reassign_tasks", _("Reassign tasks and supervise the team of the unit")),
        ]

    def __str__(self):
        return self.name

    @property
    def depth(self):
        return self.path.count(".")

    def ancestor_paths(self):
        """Paths of this unit and every unit above it, nearest first."""
        parts = self.path.rstrip(".").split(".")
        return [".".join(parts[:i]) + "." for i in range(len(parts), 0, -1)]

    def is_within(self, other):
        return self.path.startswith(other.path)


class RoleAssignment(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="role_assignments")
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        indexes = [models.Index(fields=["user", "role"], name="roleassignment_user")]

    def __str__(self):
        return f"{self.user} {self.role} @ {self.org_unit}"

    def is_valid_on(self, day):
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class Delegation(models.Model):
    """A holder lends a role held at a unit (or some of its powers) for a dated period.
    The delegate acts on behalf of the delegator; both are recorded."""

    assignment = models.ForeignKey(RoleAssignment, on_delete=models.PROTECT, related_name="delegations")
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegations_received"
    )
    powers = models.JSONField(_("powers"), default=list, blank=True, help_text=_("Empty: every power of the role."))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        indexes = [models.Index(fields=["delegate", "valid_to"], name="delegation_delegate")]

    def __str__(self):
        return f"{self.assignment} -> {self.delegate}"


class AuthorityLimit(models.Model):
    """The highest amount a role may approve when held at a level, from a date (a parameter).
    No row for a role and level: that role approves no amounts there; amount NULL: no limit."""

    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    level = models.CharField(_("level"), max_length=30)  # the code of an OrgLevel
    org_level = models.ForeignObject(
        OrgLevel, on_delete=models.PROTECT, from_fields=["level"], to_fields=["code"], related_name="authority_limits"
    )
    amount = models.DecimalField(_("limit"), max_digits=14, decimal_places=2, null=True, blank=True)
    valid_from = models.DateField(_("valid from"))

    class Meta:
        verbose_name = _("authority limit")
        verbose_name_plural = _("authority limits")
        constraints = [
            models.UniqueConstraint(fields=["role", "level", "valid_from"], name="authority_limit_once"),
        ]

    def __str__(self):
        return f"{self.role}@{self.level} <= {self.amount} from {self.valid_from}"


class StaffPreference(models.Model):
    """What a staff member chose for their own pages: the language (a code of settings.LANGUAGES).
    Read once at login (roles.preferences) and kept in the session."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="staff_preference"
    )
    language = models.CharField(_("language"), max_length=10)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("staff preference")
        verbose_name_plural = _("staff preferences")

    def __str__(self):
        return f"{self.user_id}: {self.language}"


from .devices import SealedTOTPDevice  # noqa: E402,F401  (a model of this app)
