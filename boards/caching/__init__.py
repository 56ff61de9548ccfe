"""The one home of freshness: what names a page, when it changes, how it is answered.

Read in this order:

- `keys`: the release stamp and the one ETag recipe (`page_tag`, `board_tag`), with the
  moment each ETag stops being valid;
- `generation`: the token every write changes in its transaction (a row in the database),
  and the boards' and the ideas wall's states read under it (read-your-writes on every
  worker and server);
- `watch`: on PostgreSQL, each worker told of every change (LISTEN/NOTIFY) under a lease,
  instead of reading the row per request; a writer answers once every worker has seen it;
- `responses`: `cached_page` (the view decides: 304, the kept rendering, or a new one,
  with the public headers) and what the fast path (boards.middleware) learns from it;
- `memo`: the one bounded, thread-safe memory beside the cache;
- `compression`: gzip of public renderings, done once per rendering;
- `backends`: the generation's table, and the caches every worker shares (the database
  table of the rate-limit counters, Redis).

The cache is an optimisation, never a dependency: the generation is in the database, and
every read falls back to the database when the cache has nothing (or is down, which is
logged and read as a miss).
"""

from boards.caching.generation import (
    board_states,
    board_states_generation,
    boards_changed,
    wall_state,
)
from boards.caching.generation import generation as read_generation
from boards.caching.keys import (
    RELEASE,
    PageTag,
    board_tag,
    day_version,
    digest,
    interests_version,
    page_tag,
    release_stamp,
    states_version,
    wall_tag,
)
from boards.caching.responses import cached_page, forget_local_copies, fragment_requested

__all__ = [
    "RELEASE",
    "PageTag",
    "board_states",
    "board_states_generation",
    "board_tag",
    "boards_changed",
    "cached_page",
    "day_version",
    "digest",
    "forget_local_copies",
    "fragment_requested",
    "interests_version",
    "page_tag",
    "read_generation",
    "release_stamp",
    "states_version",
    "wall_state",
    "wall_tag",
]
