"""The French and Persian catalogues: complete, faithful to their placeholders, compiled as committed.

scripts/makemessages updates them (and scripts/ensure-gettext installs GNU gettext for it).
"""

import gettext
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from .catalog import LANGUAGES, ROOT, header, messages, mo_path, parse, placeholders, po_path

PLURAL_FORMS = "nplurals=2; plural=(n > 1);"


@pytest.fixture(scope="module", params=LANGUAGES)
def catalogue(request):
    language = request.param
    return language, parse(po_path(language))


def label(entry):
    return f"{entry.references[:1]} {entry.msgid!r}"


def test_the_header_names_the_language_its_plural_forms_and_utf8(catalogue):
    language, entries = catalogue
    fields = header(entries)
    assert fields["Language"] == language
    assert fields["Plural-Forms"] == PLURAL_FORMS
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    head = next(e for e in entries if e.msgid == "")
    assert not head.fuzzy


def test_every_message_has_a_translation_that_is_not_fuzzy(catalogue):
    language, entries = catalogue
    untranslated = [label(e) for e in messages(entries) if not all(e.msgstr.values())]
    fuzzy = [label(e) for e in messages(entries) if e.fuzzy]
    assert len(messages(entries)) > 900
    assert untranslated == [], f"{language}: {len(untranslated)} untranslated: {untranslated[:20]}"
    assert fuzzy == [], f"{language}: {len(fuzzy)} fuzzy: {fuzzy[:20]}"


def test_plural_messages_have_every_form(catalogue):
    language, entries = catalogue
    plurals = [e for e in messages(entries) if e.msgid_plural is not None]
    assert plurals, "the templates use plural forms"
    wrong = [label(e) for e in plurals if sorted(e.msgstr) != [0, 1]]
    assert wrong == [], f"{language}: {wrong}"


def test_no_obsolete_message_is_kept(catalogue):
    language, entries = catalogue
    assert [label(e) for e in entries if e.obsolete] == []


def test_translations_keep_the_placeholders_of_their_message(catalogue):
    language, entries = catalogue
    wrong = []
    for e in messages(entries):
        if e.msgid_plural is None:
            if placeholders(e.msgstr[0]) != placeholders(e.msgid):
                wrong.append((e.msgid, e.msgstr[0]))
            continue
        # The form for many must keep every placeholder of the plural message; the form for one
        # may spell the number out ("once") but may use no placeholder the messages do not have.
        allowed = set(placeholders(e.msgid)) | set(placeholders(e.msgid_plural))
        if placeholders(e.msgstr[1]) != placeholders(e.msgid_plural):
            wrong.append((e.msgid_plural, e.msgstr[1]))
        if not set(placeholders(e.msgstr[0])) <= allowed:
            wrong.append((e.msgid, e.msgstr[0]))
    assert wrong == [], f"{language}: {wrong}"


def test_translations_keep_the_html_of_their_message(catalogue):
    language, entries = catalogue
    wrong = [
        (e.msgid, e.msgstr[0])
        for e in messages(entries)
        if e.msgid_plural is None and sorted(_tags(e.msgid)) != sorted(_tags(e.msgstr[0]))
    ]
    assert wrong == [], f"{language}: {wrong}"


def _tags(text):
    return re.findall(r"</?[a-z]+[^>]*>", text)


def test_the_placeholder_check_sees_a_lost_or_renamed_placeholder():
    assert placeholders("Case %(ref)s is %(days)s day(s) late") == ["%(days)s", "%(ref)s"]
    assert placeholders("Le dossier %(ref)s") != placeholders("Case %(ref)s is %(days)s day(s) late")
    assert placeholders("Dossier %(reference)s") != placeholders("Case %(ref)s")
    assert placeholders("Disability of %(degree)s %%.") == ["%(degree)s"]
    assert placeholders("{count} tasks, {name!r}") == ["{count}", "{name!r}"]


def test_the_compiled_catalogue_is_the_committed_po(catalogue):
    language, entries = catalogue
    with open(mo_path(language), "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    catalog = compiled._catalog
    expected = {}
    for e in messages(entries):
        if e.msgid_plural is None:
            expected[e.key] = e.msgstr[0]
        else:
            for index, text in e.msgstr.items():
                expected[(e.key, index)] = text
    found = {key: value for key, value in catalog.items() if key != ""}
    stale = sorted(str(k) for k in expected if found.get(k) != expected[k])
    extra = sorted(str(k) for k in found if k not in expected)
    assert stale == [], f"{language}: the .mo differs from the .po for {stale[:10]}: run scripts/makemessages"
    assert extra == [], f"{language}: the .mo has messages the .po lacks: {extra[:10]}"
    assert compiled.plural(1) == 0 and compiled.plural(2) == 1 and compiled.plural(0) == 0


# --- Completeness: every marked string of the code is in the catalogues ------------------------------

COPY_IGNORE = shutil.ignore_patterns(
    ".venv", "var", "staticfiles", ".git", "node_modules", "__pycache__", "*.pyc", "media", "bench", "tests"
)


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    """The catalogues as scripts/makemessages makes them from the code, in a copy of the project."""
    if not (shutil.which("xgettext") and shutil.which("msgmerge")):
        if os.environ.get("CI"):
            pytest.fail("GNU gettext is missing: scripts/ensure-gettext installs it")
        pytest.skip("GNU gettext is missing: run scripts/ensure-gettext")
    copy = Path(tempfile.mkdtemp(prefix="socius-i18n-", dir=tmp_path_factory.getbasetemp())) / "project"
    shutil.copytree(ROOT, copy, ignore=COPY_IGNORE)
    env = {**os.environ, "PYTHON": sys.executable, "DJANGO_SETTINGS_MODULE": "backoffice.settings_test"}
    result = subprocess.run(
        ["bash", "scripts/makemessages", "--no-compile"], cwd=copy, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return {language: parse(copy / "locale" / language / "LC_MESSAGES" / "django.po") for language in LANGUAGES}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_has_every_marked_string_of_the_code_and_no_other(regenerated, language):
    committed = {e.key for e in messages(parse(po_path(language)))}
    current = messages(regenerated[language])
    missing = sorted(e.key for e in current if e.key not in committed)
    unused = sorted(committed - {e.key for e in current})
    assert missing == [], f"{language}: {len(missing)} new string(s), run scripts/makemessages: {missing[:20]}"
    assert unused == [], f"{language}: {len(unused)} string(s) no longer used: {unused[:20]}"
