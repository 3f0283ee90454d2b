"""The pt_BR, it and cs catalogues (the package's and each app's) are complete, keep every
placeholder, declare the right plural forms, match the code's strings, and their committed
.mo files match the .po files.

The .po files are parsed here with the standard library only (no polib)."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import helpline

PACKAGE = Path(helpline.__file__).resolve().parent
#: Folders holding a catalogue of their own (``locale/``): each app with one, and the package
#: itself for what is left (settings, project templates). Kept in step with scripts/messages.
APP_ROOTS = sorted(d for d in PACKAGE.iterdir() if d.is_dir() and (d / "locale").is_dir())
ROOTS = [PACKAGE, *[d for d in APP_ROOTS if d != PACKAGE / "locale"]]
APP_ROOTS = [d for d in ROOTS if d != PACKAGE]
#: Catalogue folder -> number of plural forms (CLDR/gettext: Czech has three).
LANGUAGES = {"pt_BR": 2, "it": 2, "cs": 3}

#: The flags ``make messages`` passes to makemessages (besides the languages).
MAKEMESSAGES_FLAGS = ["--ignore=tests", "--ignore=static", "--add-location=file", "--no-obsolete"]

_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"$')
#: ``%(name)s``, ``%d``, ``%%`` and ``{name}`` / ``{seq:07d}``.
_PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdifr%]|\{[^{}]*\}")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)


def _unquote(s: str) -> str:
    return s.encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")


def parse_po(path: Path) -> list[Entry]:
    """Every entry of a .po file, the header (msgid "") first."""
    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        entry, current = Entry(), ""
        for line in block.splitlines():
            if line.startswith("#,"):
                entry.flags |= {f.strip() for f in line[2:].split(",")}
                continue
            if line.startswith("#"):
                continue
            m = _KEYWORD.match(line)
            if m:
                current, text = m.group(1), _unquote(m.group(2))
            else:
                assert line.startswith('"') and line.endswith('"'), f"{path}: {line!r}"
                text = _unquote(line[1:-1])
            if current == "msgid":
                entry.msgid += text
            elif current == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + text
            elif current == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + text
            else:
                index = int(current[7:-1]) if "[" in current else 0
                entry.msgstr[index] = entry.msgstr.get(index, "") + text
        entries.append(entry)
    return entries


def _header(entries: list[Entry]) -> dict[str, str]:
    assert entries[0].msgid == "", "the header comes first"
    lines = [line for line in entries[0].msgstr[0].split("\n") if line]
    return dict(line.split(": ", 1) for line in lines)


def _placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text))


@pytest.fixture(params=sorted(LANGUAGES), scope="module")
def language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=ROOTS, ids=lambda d: d.name, scope="module")
def root(request: pytest.FixtureRequest) -> Path:
    return Path(request.param)


def _po(language: str, root: Path = PACKAGE) -> Path:
    return root / "locale" / language / "LC_MESSAGES" / "django.po"


def _all_entries(language: str) -> list[Entry]:
    return [e for r in ROOTS for e in parse_po(_po(language, r))[1:]]


def test_the_header_names_the_language_and_its_plural_forms(language: str, root: Path) -> None:
    header = _header(parse_po(_po(language, root)))
    assert header["Language"] == language
    assert header["Content-Type"] == "text/plain; charset=UTF-8"
    assert f"nplurals={LANGUAGES[language]};" in header["Plural-Forms"]
    assert "fuzzy" not in parse_po(_po(language, root))[0].flags


def test_the_czech_plural_rule_picks_one_few_and_many() -> None:
    rule = _header(parse_po(_po("cs")))["Plural-Forms"].split("plural=", 1)[1].rstrip(";")
    plural = gettext.c2py(rule)
    assert [plural(n) for n in (1, 2, 3, 4, 5, 11, 22, 0)] == [0, 1, 1, 1, 2, 2, 2, 2]


def test_every_message_is_translated_and_none_is_fuzzy(language: str) -> None:
    entries = _all_entries(language)
    assert len(entries) > 250, "the catalogues hold the whole desk"
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert fuzzy == []
    forms = LANGUAGES[language]
    for e in entries:
        expected = set(range(forms)) if e.msgid_plural is not None else {0}
        assert set(e.msgstr) == expected, f"{language}: wrong forms for {e.msgid!r}"
        empty = [i for i, text in e.msgstr.items() if not text.strip()]
        assert empty == [], f"{language}: {e.msgid!r} is not translated"


def test_every_translation_keeps_the_placeholders_of_its_message(language: str) -> None:
    for e in _all_entries(language):
        for index, text in e.msgstr.items():
            source = e.msgid if index == 0 or e.msgid_plural is None else e.msgid_plural
            assert _placeholders(text) == _placeholders(source), (
                f"{language}: {text!r} does not keep the placeholders of {source!r}"
            )


def test_the_committed_mo_file_is_compiled_from_the_po_file(language: str, root: Path) -> None:
    po = parse_po(_po(language, root))
    with (root / "locale" / language / "LC_MESSAGES" / "django.mo").open("rb") as f:
        mo = gettext.GNUTranslations(f)
    forms = LANGUAGES[language]
    for e in po[1:]:
        if e.msgid_plural is None:
            assert mo.gettext(e.msgid) == e.msgstr[0], f"{language}: stale .mo for {e.msgid!r}"
        else:
            samples = {0: 1, 1: 2 if forms == 2 else 3, 2: 5}
            for index in range(forms):
                got = mo.ngettext(e.msgid, e.msgid_plural, samples[index])
                assert got == e.msgstr[index], f"{language}: stale .mo for {e.msgid!r}"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_the_catalogues_hold_every_translatable_string_of_the_code(tmp_path: Path) -> None:
    """Run makemessages (as ``make messages`` does) on a copy of the package: a string added
    to the code but not to its catalogue, or left there after it was removed, fails here.
    The fix is ``make messages`` and translating what it adds."""
    copy = tmp_path / "helpline"
    shutil.copytree(
        PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static", "tests")
    )
    django_admin = Path(sys.executable).with_name("django-admin")
    for root in ROOTS:
        where = copy / root.relative_to(PACKAGE)
        ignores = [f"--ignore={d.name}" for d in APP_ROOTS] if root == PACKAGE else []
        shutil.rmtree(where / "locale" / "it")
        subprocess.run(
            [
                str(django_admin),
                "makemessages",
                "-l",
                "it",
                "-e",
                "html,txt,py",
                *MAKEMESSAGES_FLAGS,
                *ignores,
            ],
            cwd=where,
            check=True,
            capture_output=True,
            env={"DJANGO_SETTINGS_MODULE": "helpline.settings", "PATH": "/usr/bin:/bin"},
        )
        po = where / "locale/it/LC_MESSAGES/django.po"
        fresh = {(e.msgctxt, e.msgid) for e in parse_po(po)} if po.exists() else set()
        for language in LANGUAGES:
            ours = {(e.msgctxt, e.msgid) for e in parse_po(_po(language, root))}
            name = root.name
            assert sorted(fresh - ours, key=str) == [], f"{name} {language}: run `make messages`"
            assert sorted(ours - fresh, key=str) == [], f"{name} {language}: run `make messages`"


def test_every_app_with_strings_has_its_catalogue() -> None:
    """A new app's strings must not go unnoticed: every app folder with Python or templates
    outside ``tests`` either has a ``locale/`` or is known to hold no translatable string."""
    no_strings = {"demo", "templates", "static", "locale", "__pycache__"}
    missing = [
        d.name
        for d in PACKAGE.iterdir()
        if d.is_dir()
        and d.name not in no_strings
        and d not in APP_ROOTS
        and any("gettext" in f.read_text(encoding="utf-8") for f in d.rglob("*.py"))
    ]
    assert missing == [], f"give these apps a locale/ folder and run `make messages`: {missing}"
