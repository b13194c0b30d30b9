import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from viewflow.workflow.status import STATUS

from backoffice import views
from cases import selectors, services
from cases.models import BenefitClaim, CaseComment, CaseDocument, ClaimState
from tests.security import totp

from .conftest import file_claims, recommend

pytestmark = pytest.mark.django_db


def case_url(claim, name="case_detail", **kwargs):
    return reverse(name, kwargs={"reference": claim.reference, **kwargs})


def login(client, user):
    client.force_login(user)
    return client


def fresh(claim):
    return BenefitClaim.objects.get(pk=claim.pk)


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


# --- Login -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["inbox", "queue"])
def test_pages_need_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_case_pages_need_login(client, claim):
    for url in (case_url(claim), case_url(claim, "case_take")):
        response = client.post(url) if url.endswith("take/") else client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_login_leads_to_the_inbox_and_logout_back(client, team):
    page = client.get(reverse("login"))
    assert page.status_code == 200 and 'name="username"' in page.content.decode()
    bad = client.post(reverse("login"), {"username": "op_na", "password": "wrong"})
    assert bad.status_code == 200 and "did not match" in bad.content.decode()
    device = totp.confirmed_device(team["operator"])
    response = client.post(reverse("login"), {"username": "op_na", "password": "correct horse battery staple"})
    assert response.status_code == 302 and response["Location"] == reverse("account_verify")
    assert client.get(reverse("inbox")).status_code == 302  # the second factor comes first
    response = client.post(reverse("account_verify"), {"code": totp.code(device.bin_key.hex())})
    assert response.status_code == 302 and response["Location"] == reverse("inbox")
    assert client.get(reverse("inbox")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("inbox")).status_code == 302


# --- Inbox and queue -----------------------------------------------------------------------------------


def test_inbox_lists_the_users_tasks(client, team, insured):
    a, b = file_claims(insured, 2)
    services.task_take(case_id=a.pk, actor=team["operator"])
    services.task_take(case_id=b.pk, actor=team["operator2"])
    body = login(client, team["operator"]).get(reverse("inbox")).content.decode()
    assert a.reference in body and b.reference not in body
    assert '<span class="state state-in_review">In review</span>' in body
    assert "Review the claim" in body


def test_queue_lists_filters_and_pages(client, team, insured):
    claims = file_claims(insured, 3)
    login(client, team["operator"])
    body = client.get(reverse("queue")).content.decode()
    assert all(c.reference in body for c in claims)
    assert body.count('<span class="state state-submitted">Submitted</span>') == 3

    filtered = client.get(reverse("queue"), {"benefit_type": "sickness"}).content.decode()
    assert not any(c.reference in filtered for c in claims) and "No open task matches" in filtered
    assert (
        claims[0].reference
        in client.get(reverse("queue"), {"benefit_type": "marriage", "state": "submitted"}).content.decode()
    )


def test_an_unknown_filter_value_is_a_form_error(client, team, insured):
    (claim,) = file_claims(insured, 1)
    response = login(client, team["operator"]).get(reverse("queue"), {"state": "lost"})
    body = response.content.decode()
    assert response.status_code == 200 and "Select a valid choice" in body and claim.reference in body


def test_queue_next_page_link_carries_the_filters(client, team, insured, monkeypatch):
    claims = file_claims(insured, 3)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    login(client, team["operator"])
    first = client.get(reverse("queue"), {"benefit_type": "marriage"})
    link = re.search(r'href="\?([^"]+)" rel="next"', first.content.decode()).group(1).replace("&amp;", "&")
    assert "benefit_type=marriage" in link and "after=" in link
    second = client.get(reverse("queue") + "?" + link).content.decode()
    assert claims[0].reference in second and claims[2].reference not in second
    assert 'rel="next"' not in second and "First page" in second


def test_a_broken_page_link_shows_a_message_and_the_first_page(client, team, insured):
    (claim,) = file_claims(insured, 1)
    response = login(client, team["operator"]).get(reverse("queue"), {"after": "not-a-cursor"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "not valid any more" in body and claim.reference in body


# --- Taking and releasing ----------------------------------------------------------------------------------


def test_take_from_the_queue_then_a_second_take_is_refused_readably(client, team, claim):
    login(client, team["operator"])
    response = client.post(case_url(claim, "case_take"), {"next": reverse("queue")})
    assert response.status_code == 302 and response["Location"] == case_url(claim)
    task = selectors.open_task_of(claim)
    assert task.owner_id == team["operator"].pk and fresh(claim).state == ClaimState.IN_REVIEW

    login(client, team["operator2"])
    response = client.post(case_url(claim, "case_take"), {"next": reverse("queue")}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("queue")
    assert "This task has already been taken." in response.content.decode()


def test_take_ignores_a_next_address_on_another_site(client, team, claim):
    login(client, team["operator"])
    client.post(case_url(claim, "case_take"))
    login(client, team["operator2"])
    response = client.post(case_url(claim, "case_take"), {"next": "https://evil.example/"})
    assert response["Location"] == case_url(claim)


def test_owner_releases_the_task(client, team, claim):
    services.task_take(case_id=claim.pk, actor=team["operator"])
    login(client, team["operator"])
    body = client.get(case_url(claim)).content.decode()
    assert "Release to the queue" in body
    response = client.post(case_url(claim, "case_release"), follow=True)
    assert "The task is back in the queue." in response.content.decode()
    assert selectors.open_task_of(claim).status == STATUS.NEW


def test_someone_elses_task_cannot_be_released_by_an_operator(client, team, claim):
    services.task_take(case_id=claim.pk, actor=team["operator"])
    login(client, team["operator2"])
    assert "Release to the queue" not in client.get(case_url(claim)).content.decode()
    response = client.post(case_url(claim, "case_release"))
    assert response.status_code == 403
    assert "no role that allows you to reassign tasks" in text(response)
    assert selectors.open_task_of(claim).owner_id == team["operator"].pk


def test_supervisor_reassigns_to_a_team_member(client, team, claim):
    services.task_take(case_id=claim.pk, actor=team["operator"])
    login(client, team["supervisor"])
    body = client.get(case_url(claim)).content.decode()
    select = re.search(r'<select name="reassign-user".*?</select>', body, re.S).group(0)
    assert "op2_na" in select and "op_sa" not in select and "fin_na" not in select
    response = client.post(case_url(claim, "case_reassign"), {"reassign-user": team["operator2"].pk}, follow=True)
    assert "The task was reassigned." in response.content.decode()
    assert selectors.open_task_of(claim).owner_id == team["operator2"].pk

    # Giving it to whoever holds it already is refused on the field.
    response = client.post(case_url(claim, "case_reassign"), {"reassign-user": team["operator2"].pk})
    assert response.status_code == 422
    assert "already assigned to this person" in text(response)
    # Someone outside the team is not a choice at all.
    response = client.post(case_url(claim, "case_reassign"), {"reassign-user": team["other_operator"].pk})
    assert response.status_code == 422 and selectors.open_task_of(claim).owner_id == team["operator2"].pk


def test_a_reassignment_from_a_page_whose_step_has_since_changed_is_refused(client, team, claim):
    services.task_take(case_id=claim.pk, actor=team["operator"])
    login(client, team["supervisor"])
    body = client.get(case_url(claim)).content.decode()
    shown = int(re.search(r'name="reassign-task" value="(\d+)"', body).group(1))
    assert shown == selectors.open_task_of(claim).pk
    # Meanwhile the operator recommends: the review task is done and a decision task opened.
    services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=True)
    response = client.post(
        case_url(claim, "case_reassign"), {"reassign-user": team["supervisor2"].pk, "reassign-task": shown}
    )
    assert response.status_code == 409
    assert "moved on to another step" in text(response)
    assert selectors.open_task_of(claim).owner_id is None


def test_operator_sees_no_reassign_form(client, team, claim):
    login(client, team["operator"])
    body = client.get(case_url(claim)).content.decode()
    assert "reassign-user" not in body and ">Take<" in body


# --- Case page ---------------------------------------------------------------------------------------------


def test_case_page_shows_the_claim_task_and_history(client, team, claim):
    services.task_take(case_id=claim.pk, actor=team["operator"])
    response = login(client, team["operator"]).get(case_url(claim))
    assert response.status_code == 200
    body = text(response)
    assert '<span class="state state-in_review">In review</span>' in body
    assert claim.person.full_name in body and claim.person.ssn in body
    assert "North A branch" in body and "Review the claim" in body and "op_na (you)" in body
    assert "1200.00" in body  # the assessment
    for label in ("Claim created", "Claim submitted", "Task opened", "Task taken", "Review started"):
        assert label in body
    assert "Submitted → In review" in body and "– → Draft" in body


def test_history_shows_who_acted_on_whose_behalf(client, team, org, claim):
    from django.utils import timezone

    from roles.models import RoleAssignment
    from roles.services import delegation_create

    holder = RoleAssignment.objects.get(user=team["operator"])
    today = timezone.localdate()
    delegation_create(
        actor=team["operator"], assignment=holder, delegate=team["other_operator"], valid_from=today, valid_to=today
    )
    services.task_take(case_id=claim.pk, actor=team["other_operator"])
    body = text(login(client, team["operator"]).get(case_url(claim)))
    assert 'op_sa<br><span class="muted">on behalf of op_na</span>' in body


def test_a_case_outside_the_users_units_is_not_found(client, team, claim):
    login(client, team["other_operator"])
    assert client.get(case_url(claim)).status_code == 404
    assert client.post(case_url(claim, "case_take")).status_code == 404
    assert client.post(case_url(claim, "case_comment"), {"comment-text": "x"}).status_code == 404
    assert selectors.open_task_of(claim).owner_id is None
    assert client.get(reverse("case_detail", kwargs={"reference": "BC-NONE"})).status_code == 404


def test_review_recommend_and_decide_through_the_pages(client, team, claim, django_capture_on_commit_callbacks):
    login(client, team["operator"])
    client.post(case_url(claim, "case_take"))
    body = client.get(case_url(claim)).content.decode()
    assert 'name="recommend-decision"' in body and 'name="decide-decision"' not in body
    response = client.post(
        case_url(claim, "case_recommend"), {"recommend-decision": "approve", "recommend-note": ""}, follow=True
    )
    assert "Your recommendation was recorded" in response.content.decode()
    assert fresh(claim).state == ClaimState.RECOMMENDED
    assert 'name="decide-decision"' not in client.get(case_url(claim)).content.decode()

    login(client, team["supervisor"])
    body = client.get(case_url(claim)).content.decode()
    assert 'name="decide-decision"' in body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            case_url(claim, "case_decide"), {"decide-decision": "approve", "decide-note": "OK"}, follow=True
        )
    assert "Your decision was recorded." in response.content.decode()
    claim = fresh(claim)
    assert claim.state == ClaimState.IN_PAYMENT and claim.decided_by == team["supervisor"]
    assert claim.approved_amount == Decimal("1200.00")
    body = text(response)
    assert "Recommended → Approved" in body and "Approved → In payment" in body


def test_the_recommender_cannot_decide_four_eyes(client, team, claim):
    supervisor = team["supervisor"]
    recommend(claim, supervisor)
    login(client, supervisor)
    response = client.post(case_url(claim, "case_decide"), {"decide-decision": "approve", "decide-note": ""})
    assert response.status_code == 403
    assert "Whoever prepared or recommended a decision cannot approve it." in text(response)
    assert fresh(claim).state == ClaimState.RECOMMENDED


def test_an_operator_posting_a_decision_gets_a_message_not_an_error_page(client, team, claim):
    recommend(claim, team["operator"])
    login(client, team["operator2"])
    response = client.post(case_url(claim, "case_decide"), {"decide-decision": "approve"})
    assert response.status_code == 403
    assert "no role that allows you to decide cases" in text(response)
    assert fresh(claim).state == ClaimState.RECOMMENDED


def test_domain_refusals_land_on_the_named_field(client, team, claim):
    services.task_take(case_id=claim.pk, actor=team["operator"])
    login(client, team["operator"])
    response = client.post(
        case_url(claim, "case_recommend"), {"recommend-decision": "approve", "recommend-amount": "900"}
    )
    assert response.status_code == 422
    body = response.content.decode()
    note_errors = re.search(r'id="id_recommend-note_error".*?</ul>', body, re.S)
    assert note_errors and "Explain why the amount differs" in note_errors.group(0)
    assert 'value="900"' in body  # the input is kept

    response = client.post(case_url(claim, "case_recommend"), {"recommend-decision": "reject"})
    assert response.status_code == 422 and "Give the reason for rejection." in text(response)
    assert fresh(claim).state == ClaimState.IN_REVIEW


def test_recommend_without_the_task_is_refused(client, team, claim):
    login(client, team["operator"])
    response = client.post(case_url(claim, "case_recommend"), {"recommend-decision": "approve"})
    assert response.status_code == 409
    assert "Take the task before working on it." in text(response)


def test_request_and_receive_information(client, team, claim):
    login(client, team["operator"])
    client.post(case_url(claim, "case_take"))
    response = client.post(
        case_url(claim, "case_request_info"), {"info-question": "The marriage certificate."}, follow=True
    )
    assert "The claimant was asked for information." in response.content.decode()
    claim = fresh(claim)
    assert claim.state == ClaimState.AWAITING_INFO and claim.info_request == "The marriage certificate."
    body = text(response)
    assert "In review → Awaiting information" in body and 'name="received-answer"' in body
    assert 'name="recommend-decision"' not in body

    response = client.post(
        case_url(claim, "case_receive_info"), {"received-answer": "Certificate handed in."}, follow=True
    )
    assert "back in review" in response.content.decode()
    assert fresh(claim).state == ClaimState.IN_REVIEW
    assert CaseComment.objects.filter(case=claim, text="Certificate handed in.").exists()


def test_a_blank_question_is_a_form_error(client, team, claim):
    services.task_take(case_id=claim.pk, actor=team["operator"])
    response = login(client, team["operator"]).post(case_url(claim, "case_request_info"), {"info-question": "  "})
    assert response.status_code == 422 and fresh(claim).state == ClaimState.IN_REVIEW


def test_comments_are_added_and_shown(client, team, claim):
    login(client, team["operator"])
    response = client.post(
        case_url(claim, "case_comment"), {"comment-text": "Checked the marriage record."}, follow=True
    )
    body = text(response)
    assert "Your comment was added." in body and "Checked the marriage record." in body and "Comment added" in body


def test_auditors_read_but_do_not_comment(client, team, claim):
    """Auditors see the case but change nothing on it, not even by a comment."""
    login(client, team["auditor"])
    page = client.get(case_url(claim, "case_detail"))
    assert page.status_code == 200 and "Add comment" not in page.content.decode()
    response = client.post(case_url(claim, "case_comment"), {"comment-text": "Checked by audit."})
    assert response.status_code == 403
    assert not claim.comments.exists()


def test_documents_upload_and_guarded_download(client, team, claim):
    login(client, team["operator"])
    upload = SimpleUploadedFile("certificate.pdf", b"%PDF-1.4 marriage", content_type="application/pdf")
    response = client.post(
        case_url(claim, "case_document_upload"),
        {"document-title": "Marriage certificate", "document-file": upload},
        follow=True,
    )
    assert "The document was added." in response.content.decode()
    document = CaseDocument.objects.get(case=claim)
    url = case_url(claim, "case_document_download", document_id=document.pk)
    assert url in response.content.decode()
    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 marriage"
    assert "attachment" in download["Content-Disposition"]

    login(client, team["other_operator"])
    assert client.get(url).status_code == 404
    login(client, team["finance"])  # sees the case, may not upload
    body = client.get(case_url(claim)).content.decode()
    assert "Marriage certificate" in body and 'name="document-file"' not in body
    assert client.get(url).status_code == 200
    response = client.post(
        case_url(claim, "case_document_upload"),
        {"document-file": SimpleUploadedFile("x.txt", b"x")},
    )
    assert response.status_code == 403 and CaseDocument.objects.filter(case=claim).count() == 1


def test_a_document_of_another_case_is_not_served_under_this_one(client, team, insured):
    a, b = file_claims(insured, 2)
    document = services.case_document_add(
        case_id=b.pk, actor=team["operator"], title="B", uploaded_file=SimpleUploadedFile("b.txt", b"b")
    )
    login(client, team["operator"])
    assert client.get(case_url(a, "case_document_download", document_id=document.pk)).status_code == 404


def test_actions_answer_only_post(client, team, claim):
    login(client, team["operator"])
    assert client.get(case_url(claim, "case_take")).status_code == 405
