"""A small reader of gettext catalogues (.po) for the translation tests.

It understands what ``makemessages`` writes: comments, ``#,`` flags, ``msgctxt``, ``msgid``,
``msgid_plural``, ``msgstr``/``msgstr[n]`` with continuation lines, and obsolete ``#~`` entries
(kept apart so a test can refuse them).
"""

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCALE_DIR = ROOT / "locale"
LANGUAGES = ("fr", "fa")

# Python's %-format placeholders (named or not, with their conversion) and str.format fields.
PERCENT = re.compile(r"%(?:\([^)]*\))?[#0 +-]*\d*(?:\.\d+)?[sdifrxXeEgGc%]")
BRACES = re.compile(r"(?<!\{)\{[A-Za-z_][A-Za-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}(?!\})")


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict = field(default_factory=dict)  # plural index (0 for a singular entry) -> text
    flags: set = field(default_factory=set)
    references: list = field(default_factory=list)
    obsolete: bool = False

    @property
    def key(self):
        """The key gettext's .mo uses: context EOT msgid."""
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"

    @property
    def fuzzy(self):
        return "fuzzy" in self.flags


def _unquote(text):
    return ast.literal_eval(text) if text.startswith('"') else ""


def parse(path):
    """Every entry of a .po file, the header (msgid "") first."""
    entries = []
    entry = Entry()
    current = None  # (attribute, plural index)
    seen_keyword = False

    def flush():
        nonlocal entry, seen_keyword
        if seen_keyword:
            entries.append(entry)
        entry = Entry()
        seen_keyword = False

    def append(text):
        attr, index = current
        if attr == "msgstr":
            entry.msgstr[index] = entry.msgstr.get(index, "") + text
        else:
            setattr(entry, attr, (getattr(entry, attr) or "") + text)

    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            flush()
            continue
        if line.startswith("#"):
            if seen_keyword:
                flush()
            if line.startswith("#,"):
                entry.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            elif line.startswith("#:"):
                entry.references.extend(line[2:].split())
            continue
        if obsolete:
            entry.obsolete = True
        keyword, _, rest = line.partition(" ")
        if keyword.startswith('"'):
            append(_unquote(line))
            continue
        if seen_keyword and (keyword == "msgctxt" or (keyword == "msgid" and current[0] != "msgctxt")):
            flush()
            entry.obsolete = obsolete
        seen_keyword = True
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if match:
            current = ("msgstr", int(match.group(1)))
            entry.msgstr[current[1]] = ""
        elif keyword == "msgstr":
            current = ("msgstr", 0)
            entry.msgstr[0] = ""
        elif keyword in ("msgid", "msgid_plural", "msgctxt"):
            current = (keyword, None)
            setattr(entry, keyword, "")
        else:
            raise ValueError(f"{path}: cannot read line {raw!r}")
        append(_unquote(rest.strip()))
    flush()
    return entries


def header(entries):
    """The header's fields as a dict (its msgstr is 'Name: value' lines)."""
    head = next(e for e in entries if e.msgid == "" and e.msgctxt is None)
    fields = {}
    for line in head.msgstr.get(0, "").splitlines():
        name, _, value = line.partition(":")
        fields[name.strip()] = value.strip()
    return fields


def messages(entries):
    """The translatable entries: not the header, not obsolete."""
    return [e for e in entries if not (e.msgid == "" and e.msgctxt is None) and not e.obsolete]


def placeholders(text):
    """The placeholders of a message as a sorted list ('%%' is a literal percent sign, not one)."""
    found = [p for p in PERCENT.findall(text) if p != "%%"]
    found += BRACES.findall(text)
    return sorted(found)


def po_path(language):
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def mo_path(language):
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.mo"
