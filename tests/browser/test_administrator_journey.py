"""An administrator of a region in a real browser: reads the org tree of the region, opens an
account with its first role, grants a second role (a refusal shown on the form), records a
delegation for a supervisor going on leave and deactivates an account."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from audit.models import AuditEvent
from roles.models import Delegation, Role, RoleAssignment
from tests.conftest import staff

from .support import BrowserTestCase, screenshot_path

pytestmark = pytest.mark.browser
User = get_user_model()
NEW_PASSWORD = "plum-velvet-orbit-1987"


class AdministratorJourneyTest(BrowserTestCase):
    def test_administrator_manages_the_staff_of_their_region(self):
        admin = staff("adm_n", Role.ADMINISTRATOR, self.org.north)
        staff("op_sa", Role.OPERATOR, self.org.south_a)
        page = self.start_browser()
        self.log_in("adm_n")

        # The org tree of the region, with the people of each unit; nothing of the South.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
        expect(page.get_by_role("heading", name="Organisation")).to_be_visible()
        tree = page.locator("table.org-tree tbody tr")
        expect(tree).to_have_count(3)
        expect(tree.nth(1)).to_contain_text("North A branch")
        expect(page.locator("table.org-tree")).not_to_contain_text("South")
        page.screenshot(path=screenshot_path("admin-org-tree"), full_page=True)

        # A new account with its first role at the North B branch.
        page.get_by_role("link", name="Staff", exact=True).click()
        page.get_by_role("link", name="New account").click()
        page.get_by_label("Login").fill("new_op")
        page.get_by_label("Initial password").fill(NEW_PASSWORD)
        page.get_by_label("Unit").select_option(label="\u2003North B branch (NB)")
        page.get_by_label("First role").select_option("operator")
        page.get_by_role("button", name="Create the account").click()
        expect(page.get_by_role("heading", name="new_op")).to_be_visible()
        expect(page.locator("table.roles")).to_contain_text("North B branch")

        # A role above the administrator's own is refused on the form, readably.
        grant = page.get_by_role("region", name="Grant a role")
        grant.get_by_label("Role").select_option("branch_manager")
        grant.get_by_label("Unit").select_option(label="\u2003North B branch (NB)")
        grant.get_by_role("button", name="Grant").click()
        expect(page.get_by_role("alert")).to_contain_text("You cannot grant a role above your own.")
        page.screenshot(path=screenshot_path("admin-staff-member"), full_page=True)

        # The supervisor goes on leave: their role is lent to a colleague for a week.
        page.goto(self.url("/administration/staff/?name=sup_na"))
        page.get_by_role("link", name="sup_na").click()
        page.get_by_role("link", name="Delegate").click()
        page.get_by_label("Login of the delegate").fill("sup2_na")
        page.get_by_label("From").fill("2030-01-01")
        page.get_by_label("Until").fill("2030-01-07")
        page.get_by_label("decide cases").check()
        page.get_by_label("Reason").fill("Annual leave")
        page.get_by_role("button", name="Record the delegation").click()
        expect(page.locator("table.delegations")).to_contain_text("Annual leave")
        page.get_by_role("link", name="Delegations", exact=True).click()
        expect(page.locator("table.delegations tbody tr")).to_have_count(1)
        page.screenshot(path=screenshot_path("admin-delegations"), full_page=True)

        # The new operator's account is deactivated.
        page.goto(self.url("/administration/staff/?name=new_op"))
        page.screenshot(path=screenshot_path("admin-staff"), full_page=True)
        page.get_by_role("link", name="new_op").click()
        page.get_by_role("button", name="Deactivate the account").click()
        expect(page.get_by_text("The account is inactive.")).to_be_visible()
        self.stop_browser()

        new_op = User.objects.get(username="new_op")
        assert not new_op.is_active
        assert list(RoleAssignment.objects.filter(user=new_op).values_list("role", "org_unit")) == [
            (Role.OPERATOR, self.org.north_b.pk)
        ]
        delegation = Delegation.objects.get()
        assert (delegation.assignment.user, delegation.delegate, delegation.powers) == (
            self.supervisor,
            self.supervisor2,
            ["decide_case"],
        )
        actions = set(AuditEvent.objects.filter(actor=admin).values_list("action", flat=True))
        assert actions == {"user.created", "role.granted", "delegation.created", "user.deactivated"}
