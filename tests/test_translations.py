"""The translation guard: every user-facing word goes through Django's translation machinery,
and the Spanish catalogue translates every one of them, none fuzzy, compiled and current.

Pure Python (Django's template lexer and templatize, the ast module, polib): it needs no GNU
gettext, so it runs on a fresh machine. `make messages` (makemessages + compilemessages)
is how a maintainer brings the catalogue up to date when this fails.
"""

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import polib
from django.conf import settings
from django.template.base import Lexer, TokenType
from django.utils.translation.template import templatize

ROOT = Path(settings.BASE_DIR)
TEMPLATES = sorted(
    path for path in (ROOT / "templates").rglob("*") if path.suffix in {".html", ".txt"}
)
PYTHON = sorted(
    path
    for folder in ("boards", "openspaces")
    for path in (ROOT / folder).rglob("*.py")
    if "migrations" not in path.parts
)
CATALOGUE = ROOT / "boards" / "locale" / "es" / "LC_MESSAGES" / "django.po"

# Words a page may show untranslated: symbols and the file format the link names.
PLACEHOLDER = "\ue000"
WORD = re.compile(r"[^\W\d_]{2,}")
# Attributes people read (or hear): they must be translated like text.
READ_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder"}
# Blocks that hold attributes of a tag (class names), not text.
ATTRIBUTE_BLOCKS = {"html_attrs", "body_attrs", "bodyclass"}


class _Text(HTMLParser):
    """The words of an HTML template left outside translation tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.words += WORD.findall(value.replace(PLACEHOLDER, " "))
        if tag == "meta" and values.get("name") == "description":
            self.words += WORD.findall((values.get("content") or "").replace(PLACEHOLDER, " "))
        if tag == "input" and values.get("type") in {"submit", "button"}:
            self.words += WORD.findall((values.get("value") or "").replace(PLACEHOLDER, " "))

    def handle_data(self, data: str) -> None:
        self.words += WORD.findall(data.replace(PLACEHOLDER, " "))


def untranslated_words(source: str, *, html: bool = True) -> list[str]:
    """The words of a template that are neither in a translation tag nor in a variable."""
    kept, in_translation, blocks = [], 0, [""]
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name, *rest = token.contents.split() or [""]
            if name in {"blocktranslate", "blocktrans"}:
                in_translation += 1
            elif name in {"endblocktranslate", "endblocktrans"}:
                in_translation -= 1
            elif name == "block":
                blocks.append(rest[0])
            elif name == "endblock":
                blocks.pop()
            kept.append(PLACEHOLDER)
        elif token.token_type == TokenType.TEXT and not in_translation:
            if blocks[-1] in ATTRIBUTE_BLOCKS:
                continue
            kept.append(token.contents)
        else:
            kept.append(PLACEHOLDER)
    text = "".join(kept)
    if not html:
        return WORD.findall(text.replace(PLACEHOLDER, " "))
    parser = _Text()
    parser.feed(text)
    parser.close()
    return parser.words


def test_templates_have_no_words_outside_translation() -> None:
    found = {
        str(path.relative_to(ROOT)): words
        for path in TEMPLATES
        if (words := untranslated_words(path.read_text(), html=path.suffix == ".html"))
    }
    assert found == {}


def test_guard_finds_an_unmarked_word() -> None:
    source = '{% load i18n %}<p title="Hello">{% translate "Fine" %} {{ x }} Oops</p>'
    assert untranslated_words(source) == ["Hello", "Oops"]


# Python: the usual places of user-facing text ------------------------------------------

TRANSLATORS = {
    "_",
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
    "format_lazy",
}
# Keyword arguments people read: form and model fields, admin columns and actions.
READ_KEYWORDS = {
    "help_text",
    "verbose_name",
    "verbose_name_plural",
    "label",
    "description",
    "empty_label",
    "short_description",
    "intro",
    "title",
    "subject",
}
# Calls whose first argument people read.
READ_CALLS = {"ValidationError", "HttpResponse", "HttpResponseGone", "message_user"}


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _is_text(node: ast.expr) -> bool:
    """A literal with a word in it (f-strings included): what a translator must see."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(WORD.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_is_text(part) for part in node.values if isinstance(part, ast.Constant))
    return False


# Errors for programmers and operators (the log, the console), not for the boards' readers.
NOT_READ = {
    "ImproperlyConfigured",
    "CommandError",
    "SuspiciousOperation",
    "ValueError",
    "TypeError",
    "RuntimeError",
    "KeyError",
    "AssertionError",
    "NotImplementedError",
    "DisallowedHost",
}


def unmarked_strings(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in TRANSLATORS:
                continue
            arguments = [kw.value for kw in node.keywords if kw.arg in READ_KEYWORDS]
            if name in READ_CALLS:
                arguments += node.args[:2] if name == "message_user" else node.args[:1]
            if name == "message_user":
                arguments = [arg for arg in arguments if not isinstance(arg, ast.Name)]
            found += [ast.unparse(arg) for arg in arguments if _is_text(arg)]
        elif isinstance(node, ast.ClassDef) and any(
            _name(base) in {"TextChoices", "IntegerChoices"} for base in node.bases
        ):
            for statement in node.body:
                if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Tuple):
                    found += [
                        ast.unparse(element)
                        for element in statement.value.elts[1:]
                        if _is_text(element)
                    ]
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            # A domain error's message is shown to people (SlotUnavailable("…")).
            if _name(node.exc.func) not in TRANSLATORS | NOT_READ:
                found += [ast.unparse(arg) for arg in node.exc.args[:1] if _is_text(arg)]
        elif isinstance(node, ast.Assign) and any(
            _name(target) in {"site_header", "site_title", "index_title", "verbose_name"}
            for target in node.targets
        ):
            found += [ast.unparse(node.value)] if _is_text(node.value) else []
    return found


def test_python_has_no_unmarked_user_facing_strings() -> None:
    found = {
        str(path.relative_to(ROOT)): strings
        for path in PYTHON
        if (strings := unmarked_strings(path.read_text()))
    }
    assert found == {}


def test_guard_finds_an_unmarked_message() -> None:
    source = (
        "from django.utils.translation import gettext as _\n"
        "ValidationError('Give at least one room.')\n"
        "ValidationError(_('Give each room once.'))\n"
        "forms.CharField(help_text=f'Up to {n} characters.')\n"
    )
    assert unmarked_strings(source) == [
        "'Give at least one room.'",
        "f'Up to {n} characters.'",
    ]


# The Spanish catalogue ------------------------------------------------------------------

# templatize writes each message as a Python literal, u'…' or u"…" (when it holds a ').
STRING = re.compile(r"""u?('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")
CALL = re.compile(r"""\b(n?p?gettext)\(((?:u?'(?:[^'\\]|\\.)*'|u?"(?:[^"\\]|\\.)*"|[^)'"])*)\)""")


def template_messages() -> set[tuple[str, str]]:
    """(context, msgid) of every message the templates mark, as makemessages reads them."""
    messages = set()
    for path in TEMPLATES:
        for function, arguments in CALL.findall(templatize(path.read_text(), origin=str(path))):
            strings = [ast.literal_eval(text) for text in STRING.findall(arguments)]
            context = strings.pop(0) if function.startswith(("pgettext", "npgettext")) else ""
            messages.add((context, strings[0]))
    return messages


def python_messages() -> set[tuple[str, str]]:
    messages = set()
    for path in PYTHON:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and _name(node.func) in TRANSLATORS - {"format_lazy"}:
                strings = [
                    arg.value
                    for arg in node.args
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                ]
                if not strings:
                    continue
                if _name(node.func).startswith(("pgettext", "npgettext")):
                    messages.add((strings[0], strings[1]))
                else:
                    messages.add(("", strings[0]))
    return messages


def catalogue() -> polib.POFile:
    return polib.pofile(str(CATALOGUE))


def test_spanish_catalogue_has_every_message() -> None:
    known = {(entry.msgctxt or "", entry.msgid) for entry in catalogue() if not entry.obsolete}
    assert (template_messages() | python_messages()) - known == set()


def test_spanish_catalogue_is_complete_and_not_fuzzy() -> None:
    po = catalogue()
    assert [entry.msgid for entry in po.untranslated_entries()] == []
    assert [entry.msgid for entry in po.fuzzy_entries()] == []
    assert [entry.msgid for entry in po.obsolete_entries()] == []


def test_spanish_catalogue_is_compiled() -> None:
    compiled = polib.mofile(str(CATALOGUE.with_suffix(".mo")))
    expected = {
        (entry.msgctxt or "", entry.msgid): (entry.msgstr, entry.msgstr_plural)
        for entry in catalogue().translated_entries()
    }
    actual = {
        (entry.msgctxt or "", entry.msgid): (entry.msgstr, entry.msgstr_plural)
        for entry in compiled
        if entry.msgid
    }
    assert actual == expected


def test_spanish_plurals_fill_every_form_the_catalogue_declares() -> None:
    """Spanish declares three plural forms (one, a round million, other): an entry with two
    falls back to English for 14 ("14 people would come" on a Spanish page)."""
    po = catalogue()
    forms = int(re.search(r"nplurals=(\d+)", po.metadata["Plural-Forms"])[1])
    short = [
        entry.msgid
        for entry in po
        if entry.msgid_plural and not entry.obsolete and len(entry.msgstr_plural) < forms
    ]
    assert short == []
