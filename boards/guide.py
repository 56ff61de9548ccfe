"""The guide's text: the default that ships in every language, the chair's own version
(GuidePage), and the tiny markup both are written in.

The markup is deliberately small, so that the chair needs no help and nothing typed can
become HTML: a blank line starts a paragraph, "# " a heading, "- " an item of a list.
Everything is escaped when shown (templates/boards/guide.html).
"""

import dataclasses

from django.utils.translation import gettext


@dataclasses.dataclass(frozen=True)
class Block:
    """One block of the guide: a heading, a paragraph or a list."""

    kind: str  # "heading", "paragraph", "list"
    lines: tuple[str, ...]


def default_text() -> str:
    """The guide as it ships, in the active language: the chair's starting point."""
    sections = [
        gettext(
            "# What Open Spaces are\n\n"
            "Open Spaces are self-organised, one-hour meetups held in meeting rooms "
            "alongside the talks. Any topic or activity that two or more attendees are "
            "interested in could be a good candidate: a library you love, a problem you "
            "are stuck on, a hobby, a community you belong to."
        ),
        gettext(
            "# How to host one\n\n"
            "- Pick a free room-hour on the board of today or tomorrow.\n"
            "- Pin a card: a title, a line or two about it, your name and, if you like, "
            "a social handle.\n"
            "- Keep the private link you get: it lets you edit, move or release the card.\n"
            "- Share your card with the conference hashtag, and go to the room a few "
            "minutes early."
        ),
        gettext(
            "# The rules\n\n"
            "- An open space lasts one hour; leave the room ready for the next one.\n"
            "- The room has the seats it has: when it is full, it is full.\n"
            "- The law of two feet: if you are neither learning nor contributing, go "
            "somewhere you are. Nobody minds.\n"
            "- Whoever comes are the right people; whatever happens is the only thing "
            "that could have."
        ),
        gettext(
            "# No idea yet?\n\n"
            "The ideas wall lists topics people would come to. Say “I’d come” to the ones "
            "you like, or host one: the most wanted are at the top."
        ),
    ]
    return "\n\n".join(sections)


def blocks(text: str) -> list[Block]:
    """The blocks of `text` in the guide's markup, in order; any text is valid."""
    found: list[Block] = []
    for chunk in text.replace("\r\n", "\n").split("\n\n"):
        # Within a chunk, consecutive lines of one kind make one block.
        kind, lines = "", list[str]()
        for line in (line.strip() for line in chunk.split("\n")):
            if not line:
                continue
            if line.startswith("# "):
                this, line = "heading", line[2:].strip()
            elif line.startswith("- "):
                this, line = "list", line[2:].strip()
            else:
                this = "paragraph"
            if lines and (this != kind or this == "heading"):
                found.append(_block(kind, lines))
                lines = []
            kind = this
            lines.append(line)
        if lines:
            found.append(_block(kind, lines))
    return found


def _block(kind: str, lines: list[str]) -> Block:
    # A paragraph's lines flow together; a list keeps one item a line.
    return Block(kind, tuple(lines) if kind == "list" else (" ".join(lines),))
