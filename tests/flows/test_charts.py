"""The layout of the flow pictures: readable geometry, and numbers SVG understands in every language."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from backoffice import charts
from backoffice.templatetags.flow_charts import diagram_svg
from cases import labels
from cases.models import CaseType
from tests.backoffice.conftest import file_claims

CASE_TYPES = list(CaseType.values)


def boxes_overlap(a, b):
    return a.x < b.x + b.width and b.x < a.x + a.width and a.y < b.y + b.height and b.y < a.y + a.height


@pytest.mark.parametrize("case_type", CASE_TYPES)
def test_states_do_not_overlap_and_stay_inside_the_picture(case_type):
    chart = charts.chart_for(case_type)
    for i, a in enumerate(chart.nodes):
        assert 0 <= a.x and a.x + a.width <= chart.width and 0 <= a.y and a.y + a.height <= chart.height
        for b in chart.nodes[i + 1 :]:
            assert not boxes_overlap(a, b), (a.key, b.key)


@pytest.mark.parametrize("case_type", CASE_TYPES)
def test_arrows_go_down_the_flow_and_back_arrows_up(case_type):
    chart = charts.chart_for(case_type)
    layer = {node.key: node.layer for node in chart.nodes}
    draft = chart.node(labels.INITIAL_STATE)
    assert draft.layer == 0 and draft.initial
    for t in chart.transitions:  # every transition leads to a later layer, or is drawn as going back
        backwards = layer[t.target] <= layer[t.source]
        arrows = [a for a in chart.arrows if t.name in a.names and a.head]
        assert arrows, t
        assert any(a.back == backwards for a in arrows), t
    for arrow in chart.arrows:
        if arrow.head:
            (_x1, y1), (_x2, y2) = arrow.points
            assert (y2 < y1) if arrow.back else (y2 > y1)


def test_final_states_are_those_with_no_way_out():
    chart = charts.chart_for(CaseType.BENEFIT_CLAIM)
    assert {node.key for node in chart.nodes if node.final} == {"closed", "withdrawn"}  # a rejection may be appealed
    chart = charts.chart_for(CaseType.REPRESENTATIVE_PAYEE)
    assert {node.key for node in chart.nodes if node.final} == {"rejected", "revoked", "withdrawn"}
    chart = charts.chart_for(CaseType.POWER_OF_ATTORNEY)
    assert {node.key for node in chart.nodes if node.final} == {"rejected", "revoked", "withdrawn"}


def test_arrows_of_one_transition_into_one_state_share_their_bends():
    """Five states may withdraw a claim: one trunk reaches "withdrawn", not five parallel lines."""
    chart = charts.chart_for(CaseType.BENEFIT_CLAIM)
    into_withdrawn = [a for a in chart.arrows if a.head and a.names == ("withdraw",)]
    assert len(into_withdrawn) < len([t for t in chart.transitions if t.name == "withdraw"])


@pytest.mark.parametrize("language", ["en", "fr", "fa"])
def test_coordinates_are_plain_numbers_in_every_language(language):
    with translation.override(language):
        svg = diagram_svg(CaseType.MEDICAL_COMMISSION, language, "decided", "probe")
    numbers = re.findall(r'\s(?:x|y|dy|width|height|rx|ry)="([^"]*)"', svg)
    assert numbers and all(re.fullmatch(r"-?\d+(\.\d+)?", n) for n in numbers), numbers
    view_box = re.search(r'viewBox="([^"]*)"', svg).group(1)
    assert re.fullmatch(r"0 0 \d+ \d+", view_box)


@pytest.mark.django_db
@pytest.mark.parametrize("n", [0, 10])
def test_the_flows_pages_read_the_same_few_queries_whatever_the_data(
    client, team, insured, n, django_assert_num_queries
):
    file_claims(insured, n)
    client.force_login(team["operator"])
    # session, user, grants for the navigation (roles, delegations)
    with django_assert_num_queries(4):
        assert client.get(reverse("flow_index")).status_code == 200
    with django_assert_num_queries(4):
        assert client.get(reverse("flow_detail", kwargs={"case_type": "grievance"})).status_code == 200
