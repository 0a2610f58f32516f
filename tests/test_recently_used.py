"""The bounded store the server's caches share keeps the most recently used values."""

from __future__ import annotations

from torchlint.source.recently_used import RecentlyUsed


def test_keeps_the_most_recently_used_and_rebuilds_what_is_not_valid() -> None:
    made: list[str] = []

    def make(key: str) -> str:
        made.append(key)
        return key.upper()

    store: RecentlyUsed[str, str] = RecentlyUsed(2)
    assert store.get("a", lambda: make("a")) == "A"
    store.get("b", lambda: make("b"))
    store.get("a", lambda: make("a"))  # a is used again: b is now the oldest
    store.get("c", lambda: make("c"))  # over the limit: b goes
    store.get("a", lambda: make("a"))
    store.get("b", lambda: make("b"))
    assert made == ["a", "b", "c", "b"]
    assert store.get("a", lambda: make("a"), valid=lambda kept: kept == "stale") == "A"
    assert made[-1] == "a"
