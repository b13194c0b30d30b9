"""The language of the staff pages: chosen by the user in the page header, remembered on the user,
English by default; right to left in Persian; dates and amounts in the language's formats."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from audit.actors import Actor
from cases import services
from cases.models import BenefitType
from roles.models import StaffPreference
from roles.preferences import SESSION_KEY, language_of
from tests.support import fresh_event_day

pytestmark = pytest.mark.django_db

EVENT_DAY = dt.date(2024, 12, 1)


def html_tag(response):
    return re.search(r"<html[^>]*>", response.content.decode()).group(0)


def choose(client, language, next_url="/"):
    return client.post(reverse("set_language"), {"language": language, "next": next_url})


def test_english_left_to_right_is_the_default(client, team):
    client.force_login(team["operator"])
    response = client.get(reverse("inbox"))
    assert html_tag(response) == '<html lang="en" dir="ltr">'
    assert "My inbox" in response.content.decode()


def test_the_header_offers_every_language_in_its_own_name_through_a_csrf_protected_form(client, team):
    client.force_login(team["operator"])
    page = client.get(reverse("inbox")).content.decode()
    form = re.search(r'<form class="language" method="post" action="([^"]+)">(.*?)</form>', page, re.S)
    assert form.group(1) == reverse("set_language")
    assert 'name="csrfmiddlewaretoken"' in form.group(2)
    options = re.findall(r'<option value="(\w+)" lang="\w+"( selected)?>([^<]+)</option>', form.group(2))
    assert options == [("en", " selected", "English"), ("fr", "", "français"), ("fa", "", "فارسی")]


def test_choosing_persian_turns_the_pages_right_to_left_and_is_stored_on_the_user(client, team):
    operator = team["operator"]
    client.force_login(operator)
    response = choose(client, "fa", reverse("queue"))
    assert response.status_code == 302 and response["Location"] == reverse("queue")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fa"
    assert language_of(operator) == "fa"

    page = client.get(reverse("inbox"))
    assert html_tag(page) == '<html lang="fa" dir="rtl">'
    text = page.content.decode()
    assert "کارتابل من" in text and "صف واحد" in text  # My inbox, Unit queue
    assert "My inbox" not in text
    assert '<option value="fa" lang="fa" selected>فارسی</option>' in text


def test_the_choice_follows_the_user_to_another_browser_and_not_to_another_user(team):
    operator, supervisor = team["operator"], team["supervisor"]
    first = Client()
    first.force_login(operator)
    choose(first, "fr")

    elsewhere = Client()  # no cookie, no session: a new login on another machine
    elsewhere.force_login(operator)
    assert elsewhere.session[SESSION_KEY] == "fr"
    response = elsewhere.get(reverse("inbox"))
    assert html_tag(response) == '<html lang="fr" dir="ltr">'
    assert "Mes tâches" in response.content.decode()
    # The page also sets the cookie, so the login page after a logout keeps the language.
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"

    someone_else = Client()
    someone_else.force_login(supervisor)
    assert html_tag(someone_else.get(reverse("inbox"))) == '<html lang="en" dir="ltr">'


def test_a_new_choice_replaces_the_stored_one(client, team):
    operator = team["operator"]
    client.force_login(operator)
    choose(client, "fa")
    choose(client, "en")
    assert StaffPreference.objects.get(user=operator).language == "en"
    assert html_tag(client.get(reverse("inbox"))) == '<html lang="en" dir="ltr">'


def test_an_unknown_language_is_not_stored_and_changes_nothing(client, team):
    operator = team["operator"]
    client.force_login(operator)
    choose(client, "de")
    assert not StaffPreference.objects.filter(user=operator).exists()
    assert html_tag(client.get(reverse("inbox"))) == '<html lang="en" dir="ltr">'


def test_the_chooser_answers_only_a_post_with_its_csrf_token(team):
    client = Client(enforce_csrf_checks=True)
    client.force_login(team["operator"])
    assert client.get(reverse("set_language"), {"language": "fa"}).status_code == 405
    assert choose(client, "fa").status_code == 403
    assert not StaffPreference.objects.exists()


def test_before_login_the_browser_language_or_the_choice_applies_and_nothing_is_stored(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fa")
    assert html_tag(response) == '<html lang="fa" dir="rtl">'
    assert "ورود کارکنان" in response.content.decode()  # Staff login
    choose(client, "fr", reverse("login"))
    assert "Connexion des agents" in client.get(reverse("login")).content.decode()
    assert not StaffPreference.objects.exists()


def test_the_stored_language_costs_no_query_per_request(team):
    """The language is read once, at login: a page costs the same queries in any language."""
    operator, supervisor = team["operator"], team["operator2"]
    StaffPreference.objects.create(user=operator, language="fa")
    counts = {}
    for user in (operator, supervisor):
        other = Client()
        other.force_login(user)
        other.get(reverse("inbox"))  # first request of the session: same for both
        with CaptureQueriesContext(connection) as queries:
            response = other.get(reverse("inbox"))
        assert response.status_code == 200
        counts[user.username] = len(queries)
    assert counts[operator.username] == counts[supervisor.username]


@pytest.mark.parametrize(
    "language, event_day",
    [("en", "12/01/2024"), ("fr", "01/12/2024"), ("fa", "2024/12/1")],
)
def test_the_case_page_shows_dates_in_the_formats_of_the_language(client, team, insured, language, event_day):
    claim = services.claim_file(
        actor=Actor.person(insured),
        person=insured,
        benefit_type=BenefitType.MARRIAGE,
        event_date=fresh_event_day(insured, BenefitType.MARRIAGE, EVENT_DAY),
    )
    client.force_login(team["operator"])
    choose(client, language)
    page = re.sub(r"\s+", " ", client.get(reverse("case_detail", args=[claim.reference])).content.decode())
    assert re.search(rf"<dd>{re.escape(event_day)}</dd>", page), event_day


@pytest.mark.parametrize(
    "language, amount",
    [("en", "1,250.50"), ("fr", "1\xa0250,50"), ("fa", "1,250.50")],
)
def test_amounts_group_their_thousands_and_use_the_decimal_sign_of_the_language(language, amount):
    """The form of amount the staff templates use: ``floatformat:"2g"``."""
    with translation.override(language):
        assert Template('{{ a|floatformat:"2g" }}').render(Context({"a": Decimal("1250.5")})) == amount
