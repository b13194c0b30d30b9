"""What each role may do, and how roles rank against each other."""

from django.utils.translation import gettext_lazy as _

from .models import Role


class Power:
    VIEW_CASE = "view_case"
    WORK_CASE = "work_case"  # take, review, request information, recommend
    DECIDE_CASE = "decide_case"  # approve or reject, within the authority limit
    REASSIGN_TASK = "reassign_task"
    EXECUTE_PAYMENT = "execute_payment"
    MEDICAL_DECISION = "medical_decision"
    MANAGE_STAFF = "manage_staff"
    READ_AUDIT = "read_audit"

    LABELS = {
        VIEW_CASE: _("view cases"),
        WORK_CASE: _("work on cases"),
        DECIDE_CASE: _("decide cases"),
        REASSIGN_TASK: _("reassign tasks"),
        EXECUTE_PAYMENT: _("execute payments"),
        MEDICAL_DECISION: _("take medical decisions"),
        MANAGE_STAFF: _("manage staff"),
        READ_AUDIT: _("read the audit trail"),
    }


ROLE_POWERS = {
    Role.OPERATOR: {Power.VIEW_CASE, Power.WORK_CASE},
    Role.SUPERVISOR: {Power.VIEW_CASE, Power.WORK_CASE, Power.DECIDE_CASE, Power.REASSIGN_TASK},
    Role.BRANCH_MANAGER: {Power.VIEW_CASE, Power.WORK_CASE, Power.DECIDE_CASE, Power.REASSIGN_TASK},
    Role.FINANCE_OFFICER: {Power.VIEW_CASE, Power.EXECUTE_PAYMENT},
    Role.MEDICAL_COMMISSION: {Power.VIEW_CASE, Power.MEDICAL_DECISION},
    Role.ADMINISTRATOR: {Power.MANAGE_STAFF},
    Role.AUDITOR: {Power.VIEW_CASE, Power.READ_AUDIT},
}

# An administrator grants roles of a rank no higher than the highest role they hold over
# the unit. Administration is a supervisor-rank role: it cannot make branch managers, who
# are appointed by someone holding that rank above them.
ROLE_RANK = {
    Role.OPERATOR: 1,
    Role.MEDICAL_COMMISSION: 1,
    Role.FINANCE_OFFICER: 2,
    Role.AUDITOR: 2,
    Role.SUPERVISOR: 3,
    Role.ADMINISTRATOR: 3,
    Role.BRANCH_MANAGER: 4,
}

# guardian permission on OrgUnit mirrored for each power that routes work.
POWER_PERMISSION = {
    Power.WORK_CASE: "roles.work_cases",
    Power.DECIDE_CASE: "roles.decide_cases",
    Power.MANAGE_STAFF: "roles.manage_staff",
    Power.MEDICAL_DECISION: "roles.medical_cases",
    Power.REASSIGN_TASK: "roles.reassign_tasks",
}


def roles_with(power):
    return [role for role, powers in ROLE_POWERS.items() if power in powers]
