"""The flow pictures: one page per case type, all on the index, and the case's position on its page."""

import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from backoffice import charts
from cases import labels, selectors, services
from cases.models import CASE_MODELS, CaseType
from tests.backoffice.conftest import file_claims, recommend, triage
from workflows.flow_classes import FLOW_CLASSES

pytestmark = pytest.mark.django_db

CASE_TYPES = [case_type for case_type in CaseType.values]


def svgs(body):
    return re.findall(r"<svg\b.*?</svg>", body, flags=re.S)


def drawn_states(svg):
    return re.findall(r'<g class="fc-node[^"]*" data-state="([^"]+)"', svg)


def node_labels(svg):
    """{state: its label as drawn} (a long label wraps over several lines)."""
    found = {}
    for state, text in re.findall(r'data-state="([^"]+)"[^>]*>.*?<text class="fc-label"[^>]*>(.*?)</text>', svg, re.S):
        found[state] = " ".join(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", text))
    return found


def current_states(body):
    return re.findall(r'data-state="([^"]+)" data-current="true"', body)


def every_state(case_type):
    return {"draft", *CASE_MODELS[case_type].States.values}


def page(client, user, name, **kwargs):
    client.force_login(user)
    return client.get(reverse(name, kwargs=kwargs))


def test_every_case_type_has_a_picture():
    assert charts.case_types() == CASE_TYPES
    assert sorted(FLOW_CLASSES) == sorted(CASE_TYPES)  # one flow per type, keyed by the type's code


@pytest.mark.parametrize("case_type", CASE_TYPES)
def test_a_case_types_page_draws_every_state_of_its_machine_with_its_label(client, team, case_type):
    response = page(client, team["operator"], "flow_detail", case_type=case_type)
    assert response.status_code == 200
    body = response.content.decode()
    [svg] = svgs(body)
    assert sorted(drawn_states(svg)) == sorted(every_state(case_type))
    assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    states = labels.state_labels(case_type)
    assert node_labels(svg) == {state: str(label) for state, label in states.items()}
    assert not current_states(body)  # a type's page marks no position


@pytest.mark.parametrize("case_type", CASE_TYPES)
def test_every_transition_is_drawn_and_named_in_words(client, team, case_type):
    chart = charts.chart_for(case_type)
    drawn = {name for arrow in chart.arrows for name in arrow.names}
    assert {t.name for t in chart.transitions} == drawn
    assert all(t.name in labels.TRANSITION_LABELS for t in chart.transitions)
    body = page(client, team["operator"], "flow_detail", case_type=case_type).content.decode()
    for t in chart.transitions:  # the text alternative lists every transition with its target
        assert f"{t.label} → {labels.state_label(case_type, t.target)}" in body


def test_the_index_draws_every_type_with_ids_unique_on_the_page(client, team):
    response = page(client, team["auditor"], "flow_index")
    assert response.status_code == 200
    body = response.content.decode()
    drawn = svgs(body)
    assert len(drawn) == len(CASE_TYPES)
    for case_type, svg in zip(CASE_TYPES, drawn, strict=True):
        assert f'data-case-type="{case_type}"' in svg
        assert sorted(drawn_states(svg)) == sorted(every_state(case_type))
        assert reverse("flow_detail", kwargs={"case_type": case_type}) in body
    ids = re.findall(r'\sid="([^"]+)"', body)
    assert len(ids) == len(set(ids))
    assert 'aria-current="page"' in body and ">Flows</a>" in body  # the navigation marks the section


def test_an_unknown_case_type_is_not_found(client, team):
    assert page(client, team["operator"], "flow_detail", case_type="parking_ticket").status_code == 404
    assert page(client, team["operator"], "flow_detail", case_type="Grievance").status_code == 404


@pytest.mark.parametrize(("name", "kwargs"), [("flow_index", {}), ("flow_detail", {"case_type": "grievance"})])
def test_flow_pages_need_login(client, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_labels_stay_centred_so_they_read_in_right_to_left_pages(client, team):
    with translation.override("fa"):
        body = page(client, team["operator"], "flow_detail", case_type="benefit_claim").content.decode()
    [svg] = svgs(body)
    anchors = re.findall(r'<text [^>]*text-anchor="([a-z]+)"', svg)
    assert anchors and set(anchors) == {"middle"}
    assert len(re.findall(r"<text\b", svg)) == len(anchors)


# --- The case page --------------------------------------------------------------------------------


def case_page(client, user, case):
    client.force_login(user)
    response = client.get(reverse("case_detail", kwargs={"reference": case.reference}))
    assert response.status_code == 200
    return response.content.decode()


def test_a_submitted_claim_marks_submitted_and_the_review_step(client, team, claim):
    body = case_page(client, team["operator"], claim)
    assert current_states(body) == ["submitted"]
    assert "Current step: <strong>Submitted</strong>" in body
    assert re.findall(r'<li class="fc-is-current" aria-current="step" data-step="([a-z_]+)"', body) == ["review"]


def test_the_mark_follows_the_claim_through_its_states(client, team, claim):
    services.task_take(case_id=claim.pk, actor=team["operator"])
    body = case_page(client, team["operator"], claim)
    assert current_states(body) == ["in_review"]
    assert body.count('data-current="true"') == 1
    assert "Current step: <strong>In review</strong>" in body

    services.claim_recommend(case_id=claim.pk, actor=team["operator"], approve=True)
    body = case_page(client, team["supervisor"], claim)
    assert current_states(body) == ["recommended"]
    assert re.findall(r'<li class="fc-is-current" aria-current="step" data-step="([a-z_]+)"', body) == ["decide"]
    assert "Open task: <strong>Decide the claim</strong>" in body
    # ... and the text list marks the same state, in words
    assert re.findall(r'<li aria-current="step" class="fc-is-current" data-state="([a-z_]+)"', body) == ["recommended"]


def test_a_grievance_marks_its_own_state_and_step(client, team, grievance):
    triage(grievance, team["operator"])
    body = case_page(client, team["operator"], grievance)
    assert current_states(body) == ["triaged"]
    assert re.findall(r'<li class="fc-is-current" aria-current="step" data-step="([a-z_]+)"', body) == ["investigate"]
    [svg] = svgs(body)
    assert sorted(drawn_states(svg)) == sorted(every_state(CaseType.GRIEVANCE))
    assert "Current step: Triaged." in svg  # in the picture's description too


def test_a_case_with_no_open_task_marks_its_state_and_no_step(client, team, insured):
    claim = file_claims(insured, 1)[0]
    recommend(claim, team["operator"])
    services.claim_decide(case_id=claim.pk, actor=team["supervisor"], approve=False, note="Not married.")
    body = case_page(client, team["supervisor"], claim)
    assert current_states(body) == ["rejected"]
    assert 'data-step="' in body and 'aria-current="step" data-step=' not in body


def test_the_position_is_drawn_from_the_page_context_without_a_query(team, claim, django_assert_num_queries):
    services.task_take(case_id=claim.pk, actor=team["operator"])
    case = CASE_MODELS[claim.case_type].objects.get(pk=claim.pk)
    task = selectors.open_task_of(case)
    template = Template("{% load flow_charts %}{% case_flow_chart case %}")
    with django_assert_num_queries(0):
        html = template.render(Context({"case": case, "task": task}))
    assert current_states(html) == ["in_review"]
    assert 'aria-current="step" data-step="review"' in html


def test_the_layout_is_computed_once_and_is_the_same_every_time():
    assert charts.chart_for(CaseType.BENEFIT_CLAIM) is charts.chart_for(CaseType.BENEFIT_CLAIM)
    for case_type in CASE_TYPES:
        assert charts.layout(case_type) == charts.chart_for(case_type)
