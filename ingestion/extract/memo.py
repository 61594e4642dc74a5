"""Memo caches for pure functions of a sentence's text, and one switch to empty them.

News repeats sentences (datelines, a site's standard lines, a headline echoed in the
body), and the extractor looks some sentences up more than once per document. A cache
is only for a function whose result depends on nothing but its arguments and data read
once per process (the shipped gazetteer and name lists), and whose result is immutable
(or copied by the caller). ``clear_text_caches`` lets the benchmark time cold passes:
a pass over a corpus must not profit from an earlier pass over the same corpus.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_CACHES: list[Any] = []


def text_cache(maxsize: int) -> Callable[[F], F]:
    """``functools.lru_cache(maxsize)``, registered so ``clear_text_caches`` empties it."""

    def wrap(fn: F) -> F:
        cached = functools.lru_cache(maxsize=maxsize)(fn)
        _CACHES.append(cached)
        return cached  # type: ignore[return-value]

    return wrap


def clear_text_caches() -> None:
    for cache in _CACHES:
        cache.cache_clear()
