"""Text people read is text people can see: what anyone types, made visible and plain.

A title of two zero-width spaces is a card nobody can read; a right-to-left override
makes a title say something else than it stores; a control character is not text at
all. `visible_text` is the one place that decides what of a typed text is kept, for
every free-text field (boards.forms.VisibleCharField).
"""

import re
import unicodedata

# Format characters that belong inside an emoji sequence: the zero-width joiner
# ("👩‍💻") between two emoji, and the tag characters of a subdivision flag ("🏴 + tags").
ZERO_WIDTH_JOINER = "\u200d"
BLACK_FLAG = "\U0001f3f4"
TAGS = range(0xE0020, 0xE0080)
# Variation selectors ("❤️" is ❤ + U+FE0F) are marks (Mn), not format characters, but on
# their own they show nothing: kept only right after a character they can vary.
VARIATION_SELECTORS = {*map(chr, range(0xFE00, 0xFE10)), *map(chr, range(0xE0100, 0xE01F0))}
# Letters that render as nothing (the Hangul fillers), used to make "blank" names.
INVISIBLE_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0"}
# Control (Cc), format (Cf), surrogate (Cs) and private-use (Co) characters: not text
# anyone can read. Bidi overrides and isolates are format characters too.
UNSEEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co"}
HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
BLANK_LINES = re.compile(r"\n{3,}")


def _is_emoji(char: str) -> bool:
    # Emoji are symbols (So); a skin tone (Sk) and U+FE0F end an emoji too.
    return unicodedata.category(char) in ("So", "Sk") or char == "\ufe0f"


def _kept(text: str) -> str:
    kept: list[str] = []
    for index, char in enumerate(text):
        previous = kept[-1] if kept else ""
        if char == ZERO_WIDTH_JOINER:
            following = text[index + 1 : index + 2]
            if previous and following and _is_emoji(previous) and _is_emoji(following):
                kept.append(char)
        elif ord(char) in TAGS:
            if previous == BLACK_FLAG or (previous and ord(previous) in TAGS):
                kept.append(char)
        elif char in VARIATION_SELECTORS:
            if previous and not previous.isspace():
                kept.append(char)
        elif char in ("\n", "\t") or (
            unicodedata.category(char) not in UNSEEN_CATEGORIES and char not in INVISIBLE_LETTERS
        ):
            kept.append(char)
    return "".join(kept)


def visible_text(value: str, *, multiline: bool = False) -> str:
    """`value` as people will read it: Unicode NFC; control, format, surrogate and
    private-use characters taken out (the zero-width joiner and tags kept inside an
    emoji sequence, variation selectors after a character); whitespace collapsed to one
    space, none around. With `multiline`, line breaks stay (one blank line at most) and
    each line is trimmed. Returns "" when nothing visible is left.
    """
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    text = _kept(text)
    if not multiline:
        return " ".join(text.split())
    lines = (HORIZONTAL_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


SENTENCE_ENDS = (".", "!", "?", "…", "。", "！", "？")


def sentences(*parts: str) -> str:
    """Parts joined as sentences, each ended by one full stop: a part that ends in its own
    (a name such as "Grace L.", a question) gets no second one. Empty parts are left out."""
    texts = [part.strip() for part in parts if part and part.strip()]
    return " ".join(text if text.endswith(SENTENCE_ENDS) else f"{text}." for text in texts)
