import io

import pytest
from django.core.management import call_command

from roles.models import Role


def run_command(name, **options):
    out = io.StringIO()
    call_command(name, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def scale_team(org, make_staff):
    """Operators in three of the four branches (none in South B), deciders at branch, region and centre."""
    return {
        "operators": {
            org.north_a.pk: [
                make_staff("op1_na", Role.OPERATOR, org.north_a),
                make_staff("op2_na", Role.OPERATOR, org.north_a),
            ],
            org.north_b.pk: [make_staff("op_nb", Role.OPERATOR, org.north_b)],
            org.south_a.pk: [make_staff("op_sa", Role.OPERATOR, org.south_a)],
        },
        "supervisor_na": make_staff("sup_na", Role.SUPERVISOR, org.north_a),
        "supervisor_n": make_staff("sup_n", Role.SUPERVISOR, org.north),
        "supervisor_s": make_staff("sup_s", Role.SUPERVISOR, org.south),
        "supervisor_hq": make_staff("sup_hq", Role.SUPERVISOR, org.central),
    }
