"""The social security vocabulary is translated the same way everywhere.

A message that names one of these things in English names it with the glossary's term in its
translation, so a caseworker never sees a claim called one thing on one page and another on the
next. A translator who finds a term wrong changes it here and in every message at once.
"""

import re

import pytest

from .catalog import messages, parse, po_path

# English (a pattern on the message) -> the French and Persian terms (patterns on the translation).
GLOSSARY = {
    r"\bclaims?\b": {"fr": r"demande", "fa": r"درخواست"},
    r"\bgrievances?\b": {"fr": r"réclamation", "fa": r"شکایت"},
    r"\boverpayments?\b": {"fr": r"trop-perçu", "fa": r"اضافه‌پرداخت"},
    r"\bcontributions?\b": {"fr": r"cotis", "fa": r"حق بیمه"},
    r"\binsured person\b": {"fr": r"assuré", "fa": r"بیمه‌شده"},
    r"\bmedical commissions?\b": {"fr": r"commissions? médicales?", "fa": r"کمیسیون(‌های)? پزشکی"},
    r"\bappeal": {"fr": r"recours", "fa": r"تجدیدنظر"},
    r"\bwaiver": {"fr": r"remise", "fa": r"بخشودگی"},
    r"\brefunds?\b": {"fr": r"rembours", "fa": r"استرداد"},
    r"\bqueues?\b": {"fr": r"files?\b", "fa": r"صف"},
    r"\bbranch\b": {"fr": r"agence", "fa": r"شعبه"},
    r"\bauthority limits?\b": {"fr": r"délégations? de pouvoir", "fa": r"سقف(‌های)? اختیار"},
    r"\brepresentative payee": {"fr": r"mandataire", "fa": r"نمایندهٔ دریافت|نمایندگان دریافت"},
    r"\baudit trail\b": {"fr": r"piste d'audit", "fa": r"ردپای حسابرسی"},
}


@pytest.mark.parametrize("language", ["fr", "fa"])
@pytest.mark.parametrize("english", list(GLOSSARY))
def test_every_message_naming_a_term_uses_the_glossary_translation(language, english):
    term = GLOSSARY[english][language]
    found = [e for e in messages(parse(po_path(language))) if re.search(english, e.msgid, re.I)]
    assert found, f"no message names {english}: drop it from the glossary"
    off = [(e.msgid, e.msgstr[0]) for e in found if not re.search(term, e.msgstr[0], re.I)]
    assert off == [], f"{language}: {english} should be translated {term!r}: {off}"
