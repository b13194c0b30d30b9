"""The guardian mirror also carries "reassign tasks" (the supervision pages read it): the
permission is declared, and the rows of the roles and delegations in force today are written, so
that an installation upgraded in place answers at once (the mirror keeps them exact from then on)."""

import django.utils.timezone
from django.db import migrations

REASSIGNING_ROLES = ("supervisor", "branch_manager")  # roles.powers.ROLE_POWERS when this was written
POWER = "reassign_task"


def mirror_reassign(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    UserObjectPermission = apps.get_model("guardian", "UserObjectPermission")
    RoleAssignment = apps.get_model("roles", "RoleAssignment")
    Delegation = apps.get_model("roles", "Delegation")
    today = django.utils.timezone.localdate()
    unit_type, _ = ContentType.objects.get_or_create(app_label="roles", model="orgunit")
    permission, _ = Permission.objects.get_or_create(
        codename="reassign_tasks",
        content_type=unit_type,
        defaults={"name": "Reassign tasks and supervise the team of the unit"},
    )
    in_force = RoleAssignment.objects.filter(
        role__in=REASSIGNING_ROLES, valid_from__lte=today, user__is_active=True
    ).exclude(valid_to__lt=today)
    wanted = set(in_force.values_list("user_id", "org_unit_id"))
    lent = Delegation.objects.filter(
        assignment__in=in_force, valid_from__lte=today, valid_to__gte=today, revoked_at__isnull=True
    )
    for delegate_id, unit_id, powers in lent.values_list("delegate_id", "assignment__org_unit_id", "powers"):
        if not powers or POWER in powers:
            wanted.add((delegate_id, unit_id))
    UserObjectPermission.objects.bulk_create(
        [
            UserObjectPermission(user_id=user_id, permission=permission, content_type=unit_type, object_pk=str(unit_id))
            for user_id, unit_id in sorted(wanted)
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("roles", "0004_org_levels"),
        ("guardian", "0002_generic_permissions_index"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="orgunit",
            options={
                "ordering": ["path"],
                "permissions": [
                    ("work_cases", "Work on cases of the unit"),
                    ("decide_cases", "Decide cases of the unit"),
                    ("manage_staff", "Manage staff of the unit"),
                    ("medical_cases", "Sit on medical commissions of the unit"),
                    ("reassign_tasks", "Reassign tasks and supervise the team of the unit"),
                ],
                "verbose_name": "organisation unit",
                "verbose_name_plural": "organisation units",
            },
        ),
        migrations.RunPython(mirror_reassign, migrations.RunPython.noop),
    ]
