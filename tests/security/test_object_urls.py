"""A missing object and a forbidden one answer the same: every URL of the site that takes a parameter.

Every URL pattern with a parameter (except Django's own admin site) must have an entry in
``OBJECT_URLS``, or ``test_every_url_with_a_parameter_is_in_the_table`` fails: a new URL cannot
be forgotten. For each entry the harness asks, as a user of the North A branch (or the North
region) holding the power the page needs:

- for an object of the South A branch (outside the user's scope), and
- for an object that does not exist,

and expects 404 for both, with the same body (same templates, same content).

HOW TO ADD AN ENTRY: add ``"url_name": Entry(user=..., forbidden=..., missing=..., methods=...)``
to ``OBJECT_URLS`` below.

- ``user``: the key of the requesting user in the ``people`` fixture of tests/security/conftest.py;
  pick someone who may use the page in their own part of the organisation, so that the 404 is
  about scope and not about a missing power.
- ``forbidden(w)``: the URL kwargs of an object of another branch; ``w`` is the ``World`` of
  tests/security/conftest.py (add the object you need there, built through the services).
- ``missing(w)``: the URL kwargs of an object that does not exist.
- ``methods``: ("GET",) for pages, ("POST",) for POST-only actions, both when the view takes both.
- ``data``: the POST body (a valid-looking form, so the view reaches its object lookup).
- For a URL whose parameter names no object of a branch (a case type, say), set
  ``forbidden=None`` and say why in ``reason``: only the missing case is asked then.
"""

from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

MISSING_ID = 987654321
MISSING_REFERENCE = "X-0000-000000"
# Django's admin site (superusers only, outside the workbench), and the portal, whose pages serve a
# person and have their own harness (tests/portal/test_portal_urls.py).
EXCLUDED_NAMESPACES = {"admin", "portal"}


@dataclass
class Entry:
    user: str
    forbidden: object  # callable(world) -> kwargs, or None (with a reason)
    missing: object  # callable(world) -> kwargs
    methods: tuple = ("GET",)
    data: dict = field(default_factory=dict)
    reason: str = ""
    own: object = None  # optional: kwargs of an object in the user's scope, which opens (GET 200)


def receipt_of(claim):
    """A receipt of ``claim`` (issued here: the world's claims were filed through the services)."""
    from audit.actors import Actor
    from cases.models import Receipt
    from cases.receipts import receipt_issue

    found = Receipt.objects.filter(case=claim).first()
    return found or receipt_issue(case=claim, kind=Receipt.Kind.FILED, submitted={}, actor=Actor.person(claim.person))


def message_of(claim):
    """The person's message about ``claim``, with one attachment (a PDF)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from audit.actors import Actor
    from cases.messages import message_send
    from cases.models import CaseMessage

    found = CaseMessage.objects.filter(case=claim).first()
    return found or message_send(
        person=claim.person,
        actor=Actor.person(claim.person),
        subject="About my claim",
        text="A question",
        case=claim,
        attachments=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 a", content_type="application/pdf")],
    )


def case(w):
    return {"reference": w.claim.reference}


def no_case(w):
    return {"reference": MISSING_REFERENCE}


CASE_POST = ("POST",)
API_POST = ("POST",)

# url name -> how to build its forbidden and missing objects. Keep it sorted by area.
OBJECT_URLS = {
    # Counter intake (backoffice/views_counter.py): a person of another branch is not found.
    "counter_file": Entry(
        "operator",
        lambda w: {"ssn": w.claim.person.ssn, "case_type": "benefit_claim"},
        lambda w: {"ssn": "0000000000", "case_type": "benefit_claim"},
        ("GET", "POST"),
        {"benefit_type": "marriage", "event_date": "2026-11-01"},
        own=lambda w: {"ssn": w.own_claim.person.ssn, "case_type": "benefit_claim"},
    ),
    "counter_receipt": Entry(
        "operator", lambda w: {"code": receipt_of(w.claim).code}, lambda w: {"code": "AAAA-BBBB-CCCC"}
    ),
    "counter_receipt_pdf": Entry(
        "operator", lambda w: {"code": receipt_of(w.claim).code}, lambda w: {"code": "AAAA-BBBB-CCCC"}
    ),
    # Case pages (backoffice/views.py)
    "case_detail": Entry("supervisor", case, no_case, own=lambda w: {"reference": w.own_claim.reference}),
    "case_take": Entry("supervisor", case, no_case, CASE_POST),
    "case_release": Entry("supervisor", case, no_case, CASE_POST),
    "case_reassign": Entry("supervisor", case, no_case, CASE_POST),
    "case_recommend": Entry("supervisor", case, no_case, CASE_POST, {"note": "x"}),
    "case_request_info": Entry("supervisor", case, no_case, CASE_POST, {"note": "x"}),
    "case_receive_info": Entry("supervisor", case, no_case, CASE_POST, {"note": "x"}),
    "case_decide": Entry("supervisor", case, no_case, CASE_POST, {"note": "x"}),
    "case_action": Entry(
        "supervisor",
        lambda w: {**case(w), "action": "recommend"},
        lambda w: {**no_case(w), "action": "recommend"},
        CASE_POST,
    ),
    "case_priority": Entry("supervisor", case, no_case, CASE_POST, {"priority": "urgent"}),
    "case_comment": Entry("supervisor", case, no_case, CASE_POST, {"comment-text": "x", "text": "x"}),
    "case_document_upload": Entry("supervisor", case, no_case, CASE_POST),
    "case_document_download": Entry(
        "supervisor",
        lambda w: {**case(w), "document_id": w.document.pk},
        lambda w: {**no_case(w), "document_id": MISSING_ID},
    ),
    "case_document_preview": Entry(
        "supervisor",
        lambda w: {**case(w), "document_id": w.document.pk},
        lambda w: {**no_case(w), "document_id": MISSING_ID},
    ),
    # Messages from people (backoffice/views_messages.py): a message of another branch's case
    "staff_message_answer": Entry(
        "supervisor", lambda w: {"pk": message_of(w.claim).pk}, lambda w: {"pk": MISSING_ID}, CASE_POST, {"text": "x"}
    ),
    "staff_message_attachment": Entry(
        "supervisor",
        lambda w: {"pk": message_of(w.claim).pk, "attachment_id": message_of(w.claim).attachments.get().pk},
        lambda w: {"pk": MISSING_ID, "attachment_id": MISSING_ID},
    ),
    # Team (backoffice/urls_supervisor.py)
    "team_unit": Entry(
        "supervisor",
        lambda w: {"unit_id": w.org.south_a.pk},
        lambda w: {"unit_id": MISSING_ID},
        own=lambda w: {"unit_id": w.org.north_a.pk},
    ),
    "team_unit_charts": Entry("supervisor", lambda w: {"unit_id": w.org.south_a.pk}, lambda w: {"unit_id": MISSING_ID}),
    "team_person": Entry(
        "supervisor",
        lambda w: {"user_id": w.south_operator.pk},
        lambda w: {"user_id": MISSING_ID},
        own=lambda w: {"user_id": w.own_operator.pk},
    ),
    "team_reassign": Entry(
        "supervisor",
        lambda w: {"user_id": w.south_operator.pk},
        lambda w: {"user_id": MISSING_ID},
        ("POST",),
        {"select_all": "1", "to": "queue"},
    ),
    # Audit trail (backoffice/urls_audit.py): an auditor of the North region
    "audit_chain": Entry(
        "region_auditor",
        lambda w: {"subject_type": "case", "subject_id": str(w.claim.pk)},
        lambda w: {"subject_type": "case", "subject_id": str(MISSING_ID)},
        own=lambda w: {"subject_type": "case", "subject_id": str(w.own_claim.pk)},
    ),
    "audit_verification": Entry("region_auditor", lambda w: {"run_id": w.run.pk}, lambda w: {"run_id": MISSING_ID}),
    # Administration (backoffice/urls_admin.py): an administrator of the North region
    "admin_staff_detail": Entry(
        "region_admin",
        lambda w: {"user_id": w.south_operator.pk},
        lambda w: {"user_id": MISSING_ID},
        own=lambda w: {"user_id": w.own_operator.pk},
    ),
    "admin_staff_grant": Entry(
        "region_admin",
        lambda w: {"user_id": w.south_operator.pk},
        lambda w: {"user_id": MISSING_ID},
        ("POST",),
    ),
    "admin_staff_active": Entry(
        "region_admin",
        lambda w: {"user_id": w.south_operator.pk},
        lambda w: {"user_id": MISSING_ID},
        ("POST",),
        {"active": ""},
    ),
    "admin_role_revoke": Entry(
        "region_admin",
        lambda w: {"assignment_id": w.south_assignment.pk},
        lambda w: {"assignment_id": MISSING_ID},
        ("POST",),
    ),
    "admin_role_delegate": Entry(
        "region_admin",
        lambda w: {"assignment_id": w.south_assignment.pk},
        lambda w: {"assignment_id": MISSING_ID},
        ("GET", "POST"),
    ),
    "admin_delegation_revoke": Entry(
        "region_admin",
        lambda w: {"delegation_id": w.south_delegation.pk},
        lambda w: {"delegation_id": MISSING_ID},
        ("POST",),
    ),
    # Flow pictures (backoffice/urls_flows.py)
    "flow_detail": Entry(
        "supervisor",
        None,
        lambda w: {"case_type": "no-such-type"},
        reason="a case type belongs to no branch: every user sees every flow",
    ),
    # REST API (api/urls.py), with a session
    "api-claim": Entry("supervisor", case, no_case, own=lambda w: {"reference": w.own_claim.reference}),
    "api-claim-take": Entry("supervisor", case, no_case, API_POST),
    "api-claim-release": Entry("supervisor", case, no_case, API_POST),
    "api-claim-request-info": Entry("supervisor", case, no_case, API_POST, {"note": "x"}),
    "api-claim-recommend": Entry("supervisor", case, no_case, API_POST, {"approve": True, "note": "x"}),
    "api-claim-decide": Entry("supervisor", case, no_case, API_POST, {"approve": True, "note": "x"}),
    "api-claim-reassign": Entry("supervisor", case, no_case, API_POST, {"to": "queue"}),
}


def _patterns(patterns, namespace=None, prefix=""):
    """Every URL pattern with its namespace and its full route."""
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p.url_patterns, p.namespace or namespace, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield p, namespace, prefix + str(p.pattern)


def urls_with_parameters():
    names = {}
    for pattern, namespace, _route in _patterns(get_resolver().url_patterns):
        if namespace in EXCLUDED_NAMESPACES:
            continue
        converters = getattr(pattern.pattern, "converters", {}) or {}
        if converters or pattern.pattern.regex.groups:
            names[pattern.name] = pattern
    return names


def test_every_url_with_a_parameter_is_in_the_table():
    found = urls_with_parameters()
    missing = sorted(str(name) for name in set(found) - set(OBJECT_URLS))
    assert not missing, f"URLs with a parameter and no entry in OBJECT_URLS (see the module's docstring): {missing}"
    stale = sorted(set(OBJECT_URLS) - set(found))
    assert not stale, f"entries of OBJECT_URLS for URLs that no longer exist: {stale}"


def _ask(client, method, url, data, api):
    if method == "GET":
        return client.get(url)
    if api:
        return client.post(url, data, content_type="application/json")
    return client.post(url, data)


def _body(response):
    return [t.name for t in response.templates], response.content


@pytest.mark.parametrize("name", sorted(OBJECT_URLS))
def test_a_forbidden_object_and_a_missing_one_answer_the_same_404(client, people, world, name):
    entry = OBJECT_URLS[name]
    if name not in urls_with_parameters():
        pytest.skip(f"{name} is not installed (the table test reports stale entries)")
    client.force_login(people[entry.user])
    api = name.startswith("api-")
    for method in entry.methods:
        missing = _ask(client, method, reverse(name, kwargs=entry.missing(world)), entry.data, api)
        assert missing.status_code == 404, (name, method, "missing", missing.status_code)
        if entry.forbidden is None:
            assert entry.reason, f"{name}: an entry without a forbidden object says why"
            continue
        forbidden = _ask(client, method, reverse(name, kwargs=entry.forbidden(world)), entry.data, api)
        assert forbidden.status_code == 404, (name, method, "forbidden", forbidden.status_code)
        assert _body(forbidden) == _body(missing), (name, method)
    if entry.own is not None:  # the same user opens the same page for an object in scope
        own = client.get(reverse(name, kwargs=entry.own(world)))
        assert own.status_code == 200, (name, "own", own.status_code)
