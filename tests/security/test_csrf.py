"""CSRF on every form: every POST form of the pages carries the token, and a POST without it is refused."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import get_resolver, reverse
from rest_framework.authentication import SessionAuthentication

from audit.actors import Actor
from cases import services
from cases.models import BenefitType
from tests.conftest import PasswordOnlyClient, make_insured
from tests.support import fresh_event_day

from .test_object_urls import OBJECT_URLS, _patterns, urls_with_parameters

pytestmark = pytest.mark.django_db

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.DOTALL | re.IGNORECASE)
POST = re.compile(r"""method\s*=\s*["']?post""", re.IGNORECASE)
TOKEN = 'name="csrfmiddlewaretoken"'
PASSWORD = "correct horse battery staple"


def post_forms_without_token(html):
    forms = [(attrs, body) for attrs, body in FORM.findall(html) if POST.search(attrs)]
    return len(forms), [attrs.strip() for attrs, body in forms if TOKEN not in body]


def pages_without_parameters():
    names = []
    with_parameters = urls_with_parameters()
    for pattern, namespace, route in _patterns(get_resolver().url_patterns):
        if namespace in ("admin", "portal") or pattern.name is None or pattern.name in with_parameters:
            continue
        if route.startswith("api/"):
            continue
        names.append(pattern.name)
    return sorted(set(names))


@pytest.fixture
def cases_in_every_step(org, people):
    """Claims of North A: in the queue, taken by the operator, recommended (waiting for the supervisor)."""
    person = make_insured(org.north_a)

    def file():
        return services.claim_file(
            actor=Actor.person(person),
            person=person,
            benefit_type=BenefitType.MARRIAGE,
            event_date=fresh_event_day(person, BenefitType.MARRIAGE, dt.date(2024, 12, 1)),
        )

    queued, taken, recommended = file(), file(), file()
    services.task_take(case_id=taken.pk, actor=people["operator"])
    services.task_take(case_id=recommended.pk, actor=people["operator"])
    services.claim_recommend(case_id=recommended.pk, actor=people["operator"], approve=True)
    return [queued, taken, recommended]


def test_every_post_form_of_the_pages_carries_the_csrf_token(people, world, cases_in_every_step):
    checked_pages, checked_forms, problems = 0, 0, []
    users = ("operator", "supervisor", "region_supervisor", "auditor", "region_auditor", "region_admin", "finance")
    for who in users:
        client = Client()
        client.force_login(people[who])
        urls = [reverse(name) for name in pages_without_parameters()]
        urls += [reverse("case_detail", kwargs={"reference": c.reference}) for c in cases_in_every_step]
        urls += [reverse(name, kwargs=entry.own(world)) for name, entry in OBJECT_URLS.items() if entry.own]
        for url in urls:
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            checked_pages += 1
            count, missing = post_forms_without_token(response.content.decode())
            checked_forms += count
            problems += [(who, url, attrs) for attrs in missing]
    assert not problems, problems
    assert checked_pages >= 30 and checked_forms >= 30, (checked_pages, checked_forms)


def test_the_login_pages_carry_the_csrf_token(client, team):
    count, missing = post_forms_without_token(client.get(reverse("login")).content.decode())
    assert count >= 1 and not missing
    client.post(reverse("login"), {"username": "op_na", "password": PASSWORD})
    count, missing = post_forms_without_token(client.get(reverse("account_enrol")).content.decode())
    assert count >= 2 and not missing  # the code and the log-out forms, at least


@pytest.mark.parametrize(
    "name,kwargs,data",
    [
        ("case_take", "case", {}),
        ("case_comment", "case", {"comment-text": "x"}),
        ("logout", None, {}),
        ("team_reassign", "operator", {"select_all": "1", "to": "queue"}),
        ("admin_staff_active", "operator", {"active": ""}),
        ("audit_verification_start", None, {}),
    ],
)
def test_a_post_without_the_token_is_refused(people, cases_in_every_step, name, kwargs, data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["region_admin" if name.startswith("admin") else "supervisor"])
    if kwargs == "case":
        url = reverse(name, kwargs={"reference": cases_in_every_step[0].reference})
    elif kwargs == "operator":
        url = reverse(name, kwargs={"user_id": people["operator"].pk})
    else:
        url = reverse(name)
    assert client.post(url, data).status_code == 403


def test_login_steps_without_the_token_are_refused(team):
    client = PasswordOnlyClient(enforce_csrf_checks=True)
    assert client.post(reverse("login"), {"username": "op_na", "password": PASSWORD}).status_code == 403
    client.force_login(team["operator"])
    assert client.post(reverse("account_verify"), {"code": "123456"}).status_code == 403
    assert client.post(reverse("account_enrol"), {"code": "123456"}).status_code == 403


def test_no_view_is_exempt_from_csrf():
    root = Path(settings.BASE_DIR)
    sources = [
        p
        for p in root.rglob("*.py")
        if not {".venv", "tests", "node_modules"} & set(p.relative_to(root).parts) and p.is_file()
    ]
    assert len(sources) > 50
    exempt = [str(p.relative_to(root)) for p in sources if "csrf_exempt" in p.read_text(encoding="utf-8")]
    assert exempt == []
    marked = [
        pattern.name
        for pattern, _namespace, _route in _patterns(get_resolver().url_patterns)
        if getattr(pattern.callback, "csrf_exempt", False) and getattr(pattern.callback, "cls", None) is None
    ]
    assert marked == []


def test_api_views_check_the_token_of_session_clients():
    """DRF marks its views csrf-exempt and checks the token itself in SessionAuthentication: every
    API view authenticates with classes that enforce it (or no session at all)."""
    checked = 0
    for pattern, _namespace, route in _patterns(get_resolver().url_patterns):
        view_class = getattr(pattern.callback, "cls", None)
        if view_class is None or not route.startswith("api/"):
            continue
        checked += 1
        classes = view_class.authentication_classes
        sessions = [c for c in classes if issubclass(c, SessionAuthentication)]
        assert all(c.enforce_csrf is SessionAuthentication.enforce_csrf for c in sessions), pattern.name
    assert checked >= 5
