"""Fill empty translations of the .po catalogues from other catalogues of the same language.

    python scripts/po_fill.py [--from-git REV] [--json new.json]

When a string moves from one app to another, ``make messages`` drops it from the old app's
catalogue and adds it untranslated to the new one; this tool copies the translation over
(from every catalogue of the working tree, plus those at git revision REV, plus a JSON file
``{"cs": {"msgid": "msgstr" | ["form0", "form1", "form2"]}, ...}``), fixes the header of
a catalogue ``makemessages`` just created, and recompiles. It never overwrites a translation.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src" / "helpline"
LANGS = {"pt_BR": "Portuguese (Brazil)", "it": "Italian", "cs": "Czech"}
PLURALS = {
    "pt_BR": "nplurals=2; plural=(n > 1);",
    "it": "nplurals=2; plural=(n != 1);",
    "cs": "nplurals=3; plural=(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2;",
}
HEADER = """# {name} translation of Helpline, the contact-center platform.
# This file is distributed under the same license as Helpline (AGPL-3.0-or-later).
#
msgid ""
msgstr ""
"Project-Id-Version: Helpline\\n"
"Report-Msgid-Bugs-To: \\n"
"POT-Creation-Date: {date}\\n"
"PO-Revision-Date: {date}\\n"
"Last-Translator: Helpline maintainers\\n"
"Language-Team: {name}\\n"
"Language: {lang}\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: {plural}\\n"
"""
_KW = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"$')


def _unq(s: str) -> str:
    return json.loads('"' + s + '"')


def _q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def parse(text: str) -> list[tuple[list[str], dict[str, str]]]:
    """Blocks as (comment lines, {keyword: text})."""
    out = []
    for block in text.strip().split("\n\n"):
        comments, fields, cur = [], {}, ""
        for line in block.splitlines():
            if line.startswith("#"):
                comments.append(line)
                continue
            m = _KW.match(line)
            if m:
                cur = m.group(1)
                fields[cur] = _unq(m.group(2))
            elif line.startswith('"'):
                fields[cur] += _unq(line[1:-1])
        out.append((comments, fields))
    return out


def key(f: dict[str, str]) -> tuple[str, str, str]:
    return (f.get("msgctxt", ""), f.get("msgid", ""), f.get("msgid_plural", ""))


def translations(text: str) -> dict[tuple[str, str, str], dict[str, str]]:
    known = {}
    for comments, f in parse(text):
        if not f.get("msgid") or any("fuzzy" in c for c in comments if c.startswith("#,")):
            continue
        strs = {k: v for k, v in f.items() if k.startswith("msgstr")}
        if strs and all(strs.values()):
            known[key(f)] = strs
    return known


def render(blocks: list[tuple[list[str], dict[str, str]]]) -> str:
    parts = []
    for comments, f in blocks:
        lines = list(comments)
        for k, v in f.items():
            lines.append(f"{k} {_q(v)}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--from-git", action="append", default=[])
    ap.add_argument("--json")
    args = ap.parse_args()
    extra = json.loads(Path(args.json).read_text()) if args.json else {}
    files = sorted(ROOT.glob("**/locale/*/LC_MESSAGES/django.po"))
    for lang, name in LANGS.items():
        known: dict[tuple[str, str, str], dict[str, str]] = {}
        for rev in args.from_git:
            listing = subprocess.run(
                ["git", "ls-tree", "-r", "--name-only", rev, "src/helpline"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            for path in listing:
                if path.endswith(f"/locale/{lang}/LC_MESSAGES/django.po"):
                    text = subprocess.run(
                        ["git", "show", f"{rev}:{path}"], capture_output=True, text=True
                    ).stdout
                    known.update(translations(text))
        for path in files:
            if path.parent.parent.name == lang:
                known.update(translations(path.read_text(encoding="utf-8")))
        for msgid, value in extra.get(lang, {}).items():
            forms = value if isinstance(value, list) else [value]
            strs = (
                {f"msgstr[{i}]": v for i, v in enumerate(forms)}
                if len(forms) > 1
                else {"msgstr": forms[0]}
            )
            known[("", msgid, "")] = strs
            known.setdefault(("", msgid, "*"), strs)  # plural entries: matched on msgid alone
        for path in files:
            if path.parent.parent.name != lang:
                continue
            text = path.read_text(encoding="utf-8")
            blocks = parse(text)
            changed = False
            head_comments, head = blocks[0]
            if "Language: \\n" in _q(head.get("msgstr", "")) or "PACKAGE VERSION" in head.get(
                "msgstr", ""
            ):
                date = re.search(r"POT-Creation-Date: ([^\n]*)", head["msgstr"])
                new_head = HEADER.format(
                    name=name, lang=lang, plural=PLURALS[lang], date=date.group(1) if date else ""
                )
                blocks[0] = parse(new_head)[0]
                changed = True
            for comments, f in blocks[1:]:
                if any(c.startswith("#,") and "fuzzy" in c for c in comments):
                    # a guess of msgmerge's, never right for a new string: start afresh
                    comments[:] = [c for c in comments if not (c.startswith("#,") and "fuzzy" in c)]
                    comments[:] = [c for c in comments if not c.startswith("#|")]
                    for k in list(f):
                        if k.startswith("msgstr"):
                            f[k] = ""
                    changed = True
                strs = {k: v for k, v in f.items() if k.startswith("msgstr")}
                if all(strs.values()):
                    continue
                found = known.get(key(f)) or known.get(("", f.get("msgid", ""), "*"))
                if not found:
                    continue
                if "msgid_plural" in f and "msgstr" in found:
                    continue
                if "msgid_plural" not in f and "msgstr" not in found:
                    continue
                for k in list(f):
                    if k.startswith("msgstr"):
                        del f[k]
                f.update(found)
                comments[:] = [c for c in comments if not (c.startswith("#,") and "fuzzy" in c)]
                changed = True
            if changed:
                path.write_text(render(blocks), encoding="utf-8")
    missing = 0
    for path in files:
        for comments, f in parse(path.read_text(encoding="utf-8"))[1:]:
            strs = {k: v for k, v in f.items() if k.startswith("msgstr")}
            if not all(strs.values()):
                missing += 1
                print(f"untranslated: {path.relative_to(ROOT)}: {f.get('msgid')!r}")
    for path in files:
        subprocess.run(["msgfmt", "-o", str(path.with_suffix(".mo")), str(path)], check=True)
    print(f"{missing} untranslated")


if __name__ == "__main__":
    main()
