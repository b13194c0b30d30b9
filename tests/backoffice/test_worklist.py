"""The caseworker's work list: queue filters and sorts with keyset pages, "take next", a
supervisor's change of priority, the case page's registry panel and timeline, document previews."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.actors import Actor
from audit.models import AuditEvent
from cases import selectors, services, worklist
from cases.models import Case, Grievance, Priority
from roles.errors import InvalidInput, NotAuthorized
from roles.models import Role
from tests.conftest import make_insured, staff
from tests.factories import EmployerFactory

from .conftest import file_claims, file_grievance, recommend, triage

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def url(case, name="case_detail", **kwargs):
    return reverse(name, kwargs={"reference": case.reference, **kwargs})


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def refs(page):
    return [t.process.case.reference for t in page.rows]


def set_case(case, **fields):
    """Test data: the due date (or priority) a case got some other way."""
    Case.objects.filter(pk=case.pk).update(**fields)


# --- Priority -----------------------------------------------------------------------------------


def test_every_case_has_a_priority_and_triage_sets_the_grievances(team, insured):
    claim = file_claims(insured, 1)[0]
    assert Case.objects.get(pk=claim.pk).priority == Priority.NORMAL
    grievance = file_grievance(insured)
    triage(grievance, team["operator"], priority=Priority.URGENT)
    assert Case.objects.get(pk=grievance.pk).priority == Priority.URGENT
    assert Grievance.objects.get(pk=grievance.pk).priority_rank == 4


def test_a_supervisor_changes_the_priority_with_a_reason_and_it_is_audited(team, insured):
    claim = file_claims(insured, 1)[0]
    worklist.case_set_priority(case_id=claim.pk, actor=team["supervisor"], priority="high", reason="Terminal illness.")
    case = Case.objects.get(pk=claim.pk)
    assert (case.priority, case.priority_rank) == ("high", 3)
    event = AuditEvent.objects.filter(subject_type="case", subject_id=str(claim.pk)).order_by("-seq").first()
    assert event.action == "case.priority_changed" and event.actor_id == team["supervisor"].pk
    assert event.payload == {"previous_priority": "normal", "priority": "high", "reason": "Terminal illness."}


def test_priority_changes_are_refused_without_authority_reason_or_change(team, insured):
    claim = file_claims(insured, 1)[0]
    with pytest.raises(NotAuthorized):
        worklist.case_set_priority(case_id=claim.pk, actor=team["operator"], priority="high", reason="Why not.")
    with pytest.raises(InvalidInput) as exc:
        worklist.case_set_priority(case_id=claim.pk, actor=team["supervisor"], priority="high", reason="  ")
    assert exc.value.field == "reason"
    with pytest.raises(InvalidInput) as exc:
        worklist.case_set_priority(case_id=claim.pk, actor=team["supervisor"], priority="normal", reason="Same.")
    assert exc.value.field == "priority"
    with pytest.raises(InvalidInput):
        worklist.case_set_priority(case_id=claim.pk, actor=team["supervisor"], priority="extreme", reason="x")
    assert Case.objects.get(pk=claim.pk).priority == "normal"


def test_the_priority_form_on_the_case_page(client, team, insured):
    claim = file_claims(insured, 1)[0]
    client.force_login(team["operator"])
    assert 'name="priority-priority"' not in text(client.get(url(claim)))
    client.force_login(team["supervisor"])
    assert 'name="priority-priority"' in text(client.get(url(claim)))

    response = client.post(url(claim, "case_priority"), {"priority-priority": "urgent", "priority-reason": ""})
    assert response.status_code == 422 and Case.objects.get(pk=claim.pk).priority == "normal"

    response = client.post(
        url(claim, "case_priority"), {"priority-priority": "urgent", "priority-reason": "Homeless."}, follow=True
    )
    body = text(response)
    assert "The priority was changed." in body and Case.objects.get(pk=claim.pk).priority == "urgent"
    # The timeline: a readable label, the previous value by its label, and the reason apart.
    assert "Priority changed" in body and "<dd>Normal</dd>" in body
    assert '<span class="muted">Reason:</span> Homeless.' in body

    response = client.post(
        url(claim, "case_priority"), {"priority-priority": "urgent", "priority-reason": "Again."}, follow=True
    )
    assert response.status_code == 422 and "The case already has this priority." in text(response)


def test_a_supervisor_of_another_branch_gets_404_for_the_priority(client, org, team, insured):
    claim = file_claims(insured, 1)[0]
    client.force_login(staff("sup_sa", Role.SUPERVISOR, org.south_a))
    response = client.post(url(claim, "case_priority"), {"priority-priority": "high", "priority-reason": "x"})
    assert response.status_code == 404 and Case.objects.get(pk=claim.pk).priority == "normal"


# --- Take next ------------------------------------------------------------------------------------


def four_claims(team, insured):
    """Four claims in the North A review queue, filed in this order: normal due later, normal
    without due date, urgent due later, normal due soon."""
    later, soon = dt.date(2031, 6, 1), dt.date(2031, 1, 1)
    a, b, c, d = file_claims(insured, 4)
    set_case(a, due_date=later)
    set_case(b, due_date=None)
    set_case(c, due_date=later)
    set_case(d, due_date=soon)
    worklist.case_set_priority(case_id=c.pk, actor=team["supervisor"], priority="urgent", reason="Hardship.")
    return a, b, c, d


def test_take_next_takes_the_most_urgent_then_the_earliest_due_then_the_oldest(team, insured):
    a, b, c, d = four_claims(team, insured)
    e = file_claims(insured, 1)[0]  # same priority and due date as a, filed later
    set_case(e, due_date=dt.date(2031, 6, 1))
    taken = [worklist.task_take_next(actor=team["operator"])[0].pk for _ in range(5)]
    assert taken == [c.pk, d.pk, a.pk, e.pk, b.pk]
    with pytest.raises(worklist.NothingToTake) as exc:
        worklist.task_take_next(actor=team["operator"])
    assert exc.value.message == "There is no task waiting in your queues."


def test_take_next_goes_on_when_someone_else_took_the_candidate_first(team, insured, monkeypatch):
    a, b, c, d = four_claims(team, insured)
    original = worklist._take_exact
    calls = []

    def someone_first(*, case_id, task_id, actor):
        if not calls:  # the other operator takes the first candidate between the read and the lock
            services.task_take(case_id=case_id, actor=team["operator2"])
        calls.append(case_id)
        return original(case_id=case_id, task_id=task_id, actor=actor)

    monkeypatch.setattr(worklist, "_take_exact", someone_first)
    case, task = worklist.task_take_next(actor=team["operator"])
    assert calls == [c.pk, d.pk] and case.pk == d.pk and task.owner_id == team["operator"].pk
    assert selectors.open_task_of(Case.objects.get(pk=c.pk)).owner_id == team["operator2"].pk


def test_take_next_only_takes_from_the_users_own_queues(team, insured, south_insured):
    file_claims(south_insured, 2)
    with pytest.raises(worklist.NothingToTake):
        worklist.task_take_next(actor=team["operator"])
    with pytest.raises(worklist.NothingToTake):
        worklist.task_take_next(actor=team["auditor"])
    case, _task = worklist.task_take_next(actor=team["other_operator"])
    assert case.person_id == south_insured.pk


def test_the_take_next_button(client, team, insured):
    a, b, c, d = four_claims(team, insured)
    client.force_login(team["operator"])
    body = text(client.get(reverse("queue")))
    assert f'action="{reverse("take_next")}"' in body and "Take next" in body
    response = client.post(reverse("take_next"), follow=True)
    assert response.redirect_chain[-1][0] == url(c)
    assert f"You took the task of case {c.reference}." in text(response)
    for _ in range(3):
        client.post(reverse("take_next"))
    response = client.post(reverse("take_next"), {"next": reverse("inbox")}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("inbox")
    assert "There is no task waiting in your queues." in text(response)
    client.force_login(team["auditor"])
    assert "Take next" not in text(client.get(reverse("inbox")))


# --- Queue filters and sorts ---------------------------------------------------------------------


def walk(user, limit=2, **kwargs):
    """Every row of the queue, page after page of ``limit`` rows."""
    seen, after = [], None
    while True:
        page = selectors.unit_queue(user, limit=limit, after=after, **kwargs)
        seen += refs(page)
        if page.next_cursor is None:
            return seen
        after = page.next_cursor


def test_every_sort_walks_the_whole_queue_once_in_its_order(team, insured):
    a, b, c, d = four_claims(team, insured)
    e = file_claims(insured, 1)[0]
    set_case(e, due_date=dt.date(2031, 6, 1))
    user = team["operator"]
    assert walk(user) == [e.reference, d.reference, c.reference, b.reference, a.reference]
    assert walk(user, sort="oldest") == [a.reference, b.reference, c.reference, d.reference, e.reference]
    assert walk(user, sort="due") == [d.reference, a.reference, c.reference, e.reference, b.reference]
    assert walk(user, sort="priority") == [c.reference, d.reference, a.reference, e.reference, b.reference]
    for sort in ("oldest", "due", "priority"):
        assert walk(user, limit=1, sort=sort) == walk(user, limit=50, sort=sort)


def test_a_cursor_of_another_sort_is_refused(team, insured):
    file_claims(insured, 3)
    page = selectors.unit_queue(team["operator"], limit=1, sort="due")
    with pytest.raises(InvalidInput):
        selectors.unit_queue(team["operator"], limit=1, sort="priority", after=page.next_cursor)
    with pytest.raises(InvalidInput):
        selectors.unit_queue(team["operator"], sort="sideways")


def test_filters_by_priority_due_range_and_subject(team, org, insured):
    a, b, c, d = four_claims(team, insured)
    other = make_insured(org.north_a, last_name="Okonkwo-Smith", first_name="Ada")
    (theirs,) = file_claims(other, 1)
    user = team["operator"]
    assert walk(user, priority="urgent") == [c.reference]
    assert walk(user, due_after=dt.date(2031, 1, 1), due_before=dt.date(2031, 1, 31)) == [d.reference]
    assert walk(user, subject=other.ssn) == [theirs.reference]
    assert walk(user, subject="okonkwo") == [theirs.reference]
    assert walk(user, subject="Okonkwo-Smith Ada") == []
    assert walk(user, subject="Nobody-Here") == []


def test_an_employers_case_is_found_by_registration_number_and_name(team, org):
    from cases import waivers

    from .conftest import employer_in_arrears

    employer = employer_in_arrears(org.north_a)
    EmployerFactory(branch=org.north_a, name="Zephyr Works")
    waiver = waivers.waiver_file(
        actor=Actor.employer(employer),
        employer=employer,
        period_from=dt.date(2024, 1, 1),
        period_to=dt.date(2024, 1, 1),
        grounds="Flood.",
    )
    user = team["operator"]
    assert walk(user, subject=employer.registration_number) == [waiver.reference]
    assert walk(user, subject=employer.name[:4].lower()) == [waiver.reference]
    assert walk(user, subject="Zephyr") == []


def test_the_queue_page_filters_and_sorts_and_keeps_them_on_the_next_page(client, team, insured, monkeypatch):
    from backoffice import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    a, b, c, d = four_claims(team, insured)
    client.force_login(team["operator"])
    response = client.get(reverse("queue"), {"sort": "priority"})
    body = text(response)
    assert body.index(c.reference) < body.index(d.reference) and a.reference not in body
    after = re.search(r'href="\?([^"]*)" rel="next"', response.content.decode()).group(1).replace("&amp;", "&")
    assert "sort=priority" in after
    body = text(client.get(reverse("queue") + "?" + after))
    assert body.index(a.reference) < body.index(b.reference) and c.reference not in body
    body = text(client.get(reverse("queue"), {"priority": "urgent"}))
    assert c.reference in body and d.reference not in body and "Urgent" in body
    response = client.get(reverse("queue"), {"sort": "due", "after": "garbage"})
    assert "This page link is not valid any more" in text(response)


def test_the_inbox_sorts_by_due_date(client, team, insured):
    a, b, c, d = four_claims(team, insured)
    for case in (a, b, c, d):
        services.task_take(case_id=case.pk, actor=team["operator"])
    client.force_login(team["operator"])
    body = text(client.get(reverse("inbox"), {"sort": "due"}))
    positions = [body.index(case.reference) for case in (d, a, c, b)]
    assert positions == sorted(positions)
    body = text(client.get(reverse("inbox"), {"sort": "priority"}))
    positions = [body.index(case.reference) for case in (c, d, a, b)]
    assert positions == sorted(positions)


# --- Case page: registry, timeline, documents ------------------------------------------------------------


def test_the_case_page_shows_the_subjects_registry_data(client, team, insured):
    claim = file_claims(insured, 1)[0]
    client.force_login(team["operator"])
    body = text(client.get(url(claim)))
    account = insured.bank_accounts.get().iban
    assert insured.ssn in body and insured.birth_date.strftime("%m/%d/%Y") in body
    assert f"{account[:4]} •••• {account[-4:]}" in body and account not in body
    assert "36 months recorded" in body


def test_the_timeline_shows_who_on_whose_behalf_from_and_to_and_why(client, team, insured):
    claim = file_claims(insured, 1)[0]
    services.task_take(case_id=claim.pk, actor=team["operator"])
    services.claim_request_info(case_id=claim.pk, actor=team["operator"], question="Send the marriage certificate.")
    client.force_login(team["operator"])
    body = text(client.get(url(claim)))
    assert "Information requested" in body and "In review → Awaiting information" in body
    assert '<span class="muted">Question:</span> Send the marriage certificate.' in body
    assert "claim.request_info" not in body and "task.assigned" not in body


def upload(client, claim, name, content):
    return client.post(
        url(claim, "case_document_upload"),
        {"document-title": name, "document-file": SimpleUploadedFile(name, content)},
    )


def test_pdf_and_images_are_previewed_inline_and_other_files_are_not(client, team, insured):
    claim = file_claims(insured, 1)[0]
    client.force_login(team["operator"])
    for name, content in (("letter.pdf", PDF), ("photo.png", PNG), ("notes.txt", b"<script>alert(1)</script>")):
        assert upload(client, claim, name, content).status_code == 302
    docs = {d.title: d for d in claim.documents.all()}
    body = text(client.get(url(claim)))
    pdf_url = url(claim, "case_document_preview", document_id=docs["letter.pdf"].pk)
    png_url = url(claim, "case_document_preview", document_id=docs["photo.png"].pk)
    assert f'<iframe src="{pdf_url}"' in body and f'<img src="{png_url}"' in body
    assert url(claim, "case_document_preview", document_id=docs["notes.txt"].pk) not in body

    response = client.get(pdf_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "inline" and response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert b"".join(response.streaming_content) == PDF
    response = client.get(png_url)
    assert response["Content-Type"] == "image/png" and response["Content-Security-Policy"].startswith("sandbox")
    assert client.get(url(claim, "case_document_preview", document_id=docs["notes.txt"].pk)).status_code == 404
    download = client.get(url(claim, "case_document_download", document_id=docs["letter.pdf"].pk))
    assert download["Content-Disposition"].startswith("attachment")


def test_a_renamed_file_is_served_by_its_content_not_its_name(client, team, insured):
    claim = file_claims(insured, 1)[0]
    client.force_login(team["operator"])
    upload(client, claim, "page.pdf", b"<html><script>alert(1)</script></html>")
    document = claim.documents.get()
    assert client.get(url(claim, "case_document_preview", document_id=document.pk)).status_code == 404


def test_a_user_of_another_branch_gets_404_for_a_preview(client, team, insured):
    claim = file_claims(insured, 1)[0]
    client.force_login(team["operator"])
    upload(client, claim, "letter.pdf", PDF)
    document = claim.documents.get()
    client.force_login(team["other_operator"])
    assert client.get(url(claim, "case_document_preview", document_id=document.pk)).status_code == 404
    assert client.get(url(claim, "case_document_preview", document_id=document.pk + 1000)).status_code == 404


def test_among_equals_take_next_takes_the_task_that_waited_longest(team, insured):
    """Same priority and due date: the queue's priority sort lists the cases in case order, take
    next takes the task that entered the queue first."""
    first, second = file_claims(insured, 2)
    recommend(second, team["operator"])  # its decision task is the older one
    recommend(first, team["operator"])
    due = dt.date(2031, 3, 1)
    set_case(first, due_date=due)
    set_case(second, due_date=due)
    assert refs(selectors.unit_queue(team["supervisor"], sort="priority")) == [first.reference, second.reference]
    case, _task = worklist.task_take_next(actor=team["supervisor"])
    assert case.pk == second.pk
