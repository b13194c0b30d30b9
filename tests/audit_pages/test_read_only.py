"""Auditors read case pages but change nothing: no action form shows, every write URL refuses."""

import re

import pytest
from django import forms as django_forms
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, reverse
from django.utils import timezone

from audit.models import AuditEvent
from backoffice import staff_urls, views
from cases import services
from cases.models import Case, CaseComment, CaseDocument
from tests.backoffice.conftest import file_claims, file_grievance, recommend

pytestmark = pytest.mark.django_db

CASE_POST_FORM = re.compile(r'<form[^>]*method="post"[^>]*action="/cases/', re.IGNORECASE)
# Case URLs that only read.
READ_ONLY_CASE_URLS = {"case_detail", "case_document_download"}


def case_urls():
    """Every staff URL of one case (the generic action URL aside: tested per action)."""
    return [
        p
        for p in staff_urls.urlpatterns
        if isinstance(p, URLPattern) and "reference" in p.pattern.converters and "action" not in p.pattern.converters
    ]


def filled(form):
    """Data that fills every field of ``form`` with a plausible value."""
    data = {}
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        if isinstance(field, django_forms.ModelChoiceField):
            first = field.queryset.first()
            if first is not None:
                data[key] = first.pk
        elif isinstance(field, django_forms.ChoiceField):
            values = [value for value, _label in field.choices if value not in ("", None)]
            if values:
                data[key] = values[0]
        elif isinstance(field, django_forms.DateField):
            data[key] = timezone.localdate().isoformat()
        elif isinstance(field, (django_forms.DecimalField, django_forms.IntegerField)):
            data[key] = "1"
        elif isinstance(field, django_forms.BooleanField):
            data[key] = "on"
        elif isinstance(field, django_forms.FileField):
            data[key] = SimpleUploadedFile("note.txt", b"hello", content_type="text/plain")
        else:
            data[key] = "Checked by the auditor"
    return data


@pytest.fixture
def cases(team, insured):
    reviewing, recommended, filed = file_claims(insured, 3)
    services.task_take(case_id=reviewing.pk, actor=team["operator"])
    recommend(recommended, team["operator"])
    grievance = file_grievance(insured)
    return {"reviewing": reviewing, "recommended": recommended, "filed": filed, "grievance": grievance}


def snapshot():
    return (
        list(Case.objects.order_by("pk").values_list("pk", "state", "audit_seq")),
        CaseComment.objects.count(),
        CaseDocument.objects.count(),
        AuditEvent.objects.count(),
    )


def test_auditor_sees_case_pages_without_any_action_form(client, team, cases):
    client.force_login(team["auditor"])
    for case in cases.values():
        response = client.get(reverse("case_detail", args=[case.reference]))
        assert response.status_code == 200
        body = response.content.decode()
        assert case.reference in body
        assert not CASE_POST_FORM.search(body), case.reference
        assert response.context["actions"] == [] and response.context["forms"] == {}
    # the same page offers forms to those who may act (the check above can fail)
    client.force_login(team["supervisor"])
    assert CASE_POST_FORM.search(
        client.get(reverse("case_detail", args=[cases["recommended"].reference])).content.decode()
    )


def test_every_case_write_url_refuses_an_auditor(client, team, cases):
    auditor = team["auditor"]
    reviewing, recommended = cases["reviewing"], cases["recommended"]
    document = services.case_document_add(
        case_id=reviewing.pk,
        actor=team["operator"],
        title="Certificate",
        uploaded_file=SimpleUploadedFile("c.txt", b"c"),
    )
    posts = {
        "case_take": [(reviewing, {}), (recommended, {})],
        "case_reassign": [(reviewing, {"reassign-user": team["operator2"].pk})],
        "case_recommend": [(reviewing, {"recommend-decision": "approve", "recommend-note": "fine"})],
        "case_request_info": [(reviewing, {"info-question": "Send the certificate"})],
        "case_receive_info": [(reviewing, {"received-answer": "Certificate"})],
        "case_decide": [(recommended, {"decide-decision": "approve", "decide-note": "fine"})],
        "case_comment": [(reviewing, {"comment-text": "An auditor's remark"})],
        "case_priority": [(reviewing, {"priority-priority": "urgent", "priority-reason": "An auditor's wish"})],
        "case_document_upload": [
            (reviewing, {"document-title": "x", "document-file": SimpleUploadedFile("x.txt", b"x")})
        ],
    }
    urls = case_urls()
    assert {"case_take", "case_release", "case_decide", "case_comment"} <= {p.name for p in urls}
    before = snapshot()
    client.force_login(auditor)
    refused = []
    for pattern in urls:
        for case, data in posts.get(pattern.name, [(reviewing, {})]):
            kwargs = {"reference": case.reference}
            if "document_id" in pattern.pattern.converters:
                kwargs["document_id"] = document.pk
            response = client.post(reverse(pattern.name, kwargs=kwargs), data)
            refused.append((pattern.name, response))
    for case in cases.values():
        typed = views.CASE_MODELS[case.case_type].objects.get(pk=case.pk)
        for action in views.ACTIONS.get(case.case_type, {}).values():
            response = client.post(
                reverse("case_action", args=[case.reference, action.slug]), filled(action.form(typed))
            )
            refused.append((f"case_action:{action.slug}", response))
    assert len(refused) > 20
    assert snapshot() == before
    assert not AuditEvent.objects.filter(actor=auditor).exists()
    # refused, not silently accepted: an error status or message, never a success message
    for name, response in refused:
        levels = {m.level for m in get_messages(response.wsgi_request)}
        assert messages.SUCCESS not in levels, name
        assert response.status_code in (403, 404, 405, 409, 422) or messages.ERROR in levels, (
            name,
            response.status_code,
        )
