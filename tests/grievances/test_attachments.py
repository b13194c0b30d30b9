"""Documents attached to a grievance: by the person, by staff, with their audit events."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.verify import verify_all
from cases import grievances
from cases.errors import InvalidInput, NotAuthorized
from cases.models import CaseDocument
from tests.support import person_actor

from .helpers import actions, last_event

pytestmark = pytest.mark.django_db


def pdf(name, content=b"%PDF-1.4 letter"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_the_person_attaches_a_document_to_their_grievance(filed):
    content = b"%PDF-1.4 bank statement"
    document = grievances.case_document_add(
        case_id=filed.pk,
        actor=person_actor(filed.pk),
        title="Bank statement",
        uploaded_file=pdf("statement.pdf", content),
    )
    assert document.case_id == filed.pk
    assert document.uploaded_by is None
    assert document.sha256 == CaseDocument.digest(content)
    with document.file.open("rb") as stored:
        assert stored.read() == content
    event = last_event(filed)
    assert event.action == "document.added"
    assert event.actor_id is None
    assert event.payload == {"document": document.pk, "title": "Bank statement", "sha256": document.sha256}
    assert verify_all().ok


def test_staff_attach_documents_while_investigating(investigating, team):
    document = grievances.case_document_add(
        case_id=investigating.pk, actor=team["operator2"], title="", uploaded_file=pdf("call-notes.pdf")
    )
    assert document.title == "call-notes.pdf"
    assert document.uploaded_by == team["operator2"]
    assert actions(investigating)[-1] == "document.added"
    grievances.grievance_resolve(case_id=investigating.pk, actor=team["operator2"], answer="See the notes.")
    assert list(CaseDocument.objects.filter(case=investigating).values_list("title", flat=True)) == ["call-notes.pdf"]


def test_another_branch_cannot_attach_and_a_file_is_required(filed, team):
    with pytest.raises(NotAuthorized):
        grievances.case_document_add(
            case_id=filed.pk, actor=team["other_operator"], title="X", uploaded_file=pdf("x.pdf")
        )
    with pytest.raises(InvalidInput) as refused:
        grievances.case_document_add(
            case_id=filed.pk, actor=person_actor(filed.pk), title="Nothing", uploaded_file=None
        )
    assert refused.value.field == "file"
    assert not CaseDocument.objects.filter(case=filed).exists()
