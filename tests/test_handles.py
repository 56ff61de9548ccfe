"""Social handles: what hosts type, what is stored, where it links."""

import pytest

from boards.handles import Handle, InvalidHandle


@pytest.mark.parametrize(
    ("typed", "text", "url"),
    [
        ("@carlton@fosstodon.org", "@carlton@fosstodon.org", "https://fosstodon.org/@carlton"),
        ("carlton@Fosstodon.org", "@carlton@fosstodon.org", "https://fosstodon.org/@carlton"),
        ("https://hachyderm.io/@lukas", "@lukas@hachyderm.io", "https://hachyderm.io/@lukas"),
        ("priya.bsky.social", "@priya.bsky.social", "https://bsky.app/profile/priya.bsky.social"),
        ("@Priya.BSKY.social", "@priya.bsky.social", "https://bsky.app/profile/priya.bsky.social"),
        (
            "https://bsky.app/profile/jess.dev",
            "@jess.dev",
            "https://bsky.app/profile/jess.dev",
        ),
        ("github.com/octocat", "github.com/octocat", "https://github.com/octocat"),
        ("https://www.github.com/octocat/", "github.com/octocat", "https://github.com/octocat"),
        ("x.com/pycon", "x.com/pycon", "https://x.com/pycon"),
        ("https://twitter.com/pycon", "x.com/pycon", "https://x.com/pycon"),
        ("@pycon", "@pycon", ""),
        ("  pycon  ", "@pycon", ""),
    ],
)
def test_handle_forms_are_normalised_and_linked_where_unambiguous(typed, text, url):
    handle = Handle.parse(typed)
    assert (handle.text, handle.url) == (text, url)


@pytest.mark.parametrize(
    "typed",
    [
        "@@@",
        "javascript:alert(1)",
        "https://example.org/not-a-profile",
        "ftp://github.com/octocat",
        "<script>",
        "two words",
    ],
)
def test_handle_other_input_is_refused(typed):
    with pytest.raises(InvalidHandle):
        Handle.parse(typed)
