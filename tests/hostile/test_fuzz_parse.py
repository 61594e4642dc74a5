"""Fuzzing the parser and the extractor: no crash, bounded time, a reason when unusable."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion.extract import extract_facts
from ingestion.parse.document import (
    MAX_HTML_BYTES,
    ParsedDocument,
    ParseError,
    parse_payload,
)
from tests.hostile.strategies import JINJA_LIKE, SQL_LIKE, charsets, hostile_html, hostile_text

FUZZ = settings(
    max_examples=100,
    deadline=timedelta(seconds=6),  # above the parser's own 5 s wall-clock cap
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,  # the same examples every run: a CI failure reproduces locally
)


def _parse_or_reason(payload: bytes, content_type: str | None) -> ParsedDocument | str:
    try:
        document = parse_payload(payload, content_type)
    except ParseError as error:
        assert str(error)  # a reason, for the quarantine row
        return str(error)
    assert isinstance(document, ParsedDocument)
    assert document.text and "\x00" not in document.text
    return document


@FUZZ
@given(payload=st.binary(max_size=20_000), content_type=charsets)
def test_arbitrary_bytes_parse_or_give_a_reason(payload: bytes, content_type):
    _parse_or_reason(payload, content_type)


@FUZZ
@given(
    page=hostile_html(),
    content_type=charsets,
    encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]),
)
def test_hostile_html_parses_or_gives_a_reason(page: str, content_type, encoding: str):
    _parse_or_reason(page.encode(encoding, errors="replace"), content_type)


@FUZZ
@given(text=hostile_text)
def test_hostile_plain_text_parses_or_gives_a_reason(text: str):
    _parse_or_reason(text.encode("utf-8", errors="surrogatepass"), "text/plain")


@pytest.mark.parametrize("snippet", SQL_LIKE + JINJA_LIKE)
def test_sql_and_jinja_looking_text_is_kept_verbatim(snippet: str):
    story = (
        "Jinniu District allocated 20 million yuan to Shiqu County in 2023 "
        "for yak breeding cooperatives and a cold-chain warehouse."
    )
    for content_type, payload in (
        ("text/plain", f"Title\n{story} {snippet}"),
        ("text/html", f"<html><body><article><p>{story} {snippet}</p></article></body></html>"),
    ):
        document = parse_payload(payload.encode(), content_type)
        assert snippet in document.text, content_type


@FUZZ
@given(text=hostile_text)
def test_the_extractor_survives_hostile_text(text: str):
    facts = extract_facts("fuzz", text)
    assert isinstance(facts, list)


def _huge_pages() -> dict[str, bytes]:
    paragraph = "<p>Jinniu District allocated 20 million yuan to Shiqu County in 2023.</p>"
    return {
        "above the size cap": b"<html><body>" + b"<p>x</p>" * (MAX_HTML_BYTES // 8 + 1),
        "100,000 nested divs": ("<div>" * 100_000 + paragraph + "</div>" * 100_000).encode(),
        "1,000 nested divs": ("<div>" * 1_000 + paragraph + "</div>" * 1_000).encode(),
        "100,000 links": (
            "<html><body>" + paragraph + "".join(f'<a href="/{i}">{i}</a>' for i in range(100_000))
        ).encode(),
        "100,000 unclosed tags": ("<html><body>" + "<b>" * 100_000 + paragraph).encode(),
        "a million '<'": b"<html><body>" + b"<" * 1_000_000,
        "4 MB of one word": b"<html><body><p>" + b"yak " * 1_000_000 + b"</p>",
        "an unterminated comment": b"<html><body><!--" + b"x" * 3_000_000,
        "an endless attribute": b'<html><body><p a="' + b"x" * 3_000_000,
    }


@pytest.mark.parametrize("name", list(_huge_pages()))
def test_enormous_and_pathological_pages_are_bounded(name: str):
    payload = _huge_pages()[name]
    start = time.monotonic()
    result = _parse_or_reason(payload, "text/html")
    elapsed = time.monotonic() - start
    # Measured bound: the structural checks answer in well under a second; anything they
    # let through is under trafilatura's 5 s wall-clock cap.
    assert elapsed < 6, f"{name}: {elapsed:.1f} s"
    if name in ("above the size cap", "100,000 nested divs", "100,000 links", "1,000 nested divs"):
        assert isinstance(result, str), f"{name} should have been refused"
