"""Parsing pages and texts: main text without chrome, encoding repaired, honest dates."""

from __future__ import annotations

import ftfy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingestion.parse.document import (
    ParseError,
    _fix_text,
    parse_html,
    parse_payload,
    repair_text,
)
from tests.conftest import SHARED_DIR

PARAGRAPH = (
    "Jinniu District helped Shiqu County with 20 million yuan in 2023, "
    "most of it for yak cooperatives and a new cold-chain warehouse."
)


def _page(head: str = "") -> str:
    return (
        f"<html><head><title>Basic assistance</title>{head}</head><body>"
        "<nav>Home | Government | Services</nav>"
        f"<article><p>{PARAGRAPH}</p><p>{PARAGRAPH.replace('2023', '2024')}</p></article>"
        "<footer>print】【close Website Identification Code 5100000001</footer></body></html>"
    )


def test_main_text_keeps_the_story_and_drops_the_chrome():
    document = parse_html(_page())
    assert "Shiqu County" in document.text
    assert "Website Identification Code" not in document.text
    assert "Home | Government" not in document.text
    assert document.title == "Basic assistance"


def test_the_date_comes_from_page_metadata_and_is_never_guessed_from_the_text():
    assert parse_html(_page()).published_date is None
    dated = parse_html(_page('<meta name="publishdate" content="2024-03-05">'))
    assert dated.published_date.isoformat() == "2024-03-05"


@pytest.mark.parametrize(
    ("broken", "repaired"),
    [
        ("the region¡¯s output", "the region's output"),
        ("Ningxiaâ€™s wine", "Ningxia's wine"),
        # Curly quotes are straightened: one quote character for the extractor's patterns.
        ("\u201ctwo no worries\u201d", '"two no worries"'),
    ],
)
def test_mojibake_is_repaired(broken: str, repaired: str):
    assert repair_text(broken) == repaired


def test_payloads_in_gb18030_are_decoded():
    page = _page().replace("Shiqu County", "Shiqu County (石渠县)")
    document = parse_payload(page.encode("gb18030"), "text/html; charset=gb18030")
    assert "石渠县" in document.text


def test_plain_text_is_an_article_whose_first_line_is_the_title():
    document = parse_payload(b"Tea output rises\n\nMeitan County sold more tea.", "text/plain")
    assert document.title == "Tea output rises"
    assert "Meitan County" in document.text


@pytest.mark.parametrize("payload", [b"", b"   \n ", b"<html><body><nav>Home</nav></body></html>"])
def test_a_payload_without_an_article_raises_parse_error(payload: bytes):
    with pytest.raises(ParseError):
        parse_payload(payload, "text/html")


# --- encodings: declarations are checked against the bytes -------------------------

_CHINESE = "石渠县 received 20 million yuan (2,000万元) for yak cooperatives, 牦牛合作社."


def _chinese_page(meta: str = "") -> str:
    return _page(meta).replace("Shiqu County", f"Shiqu County ({_CHINESE})")


@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
def test_a_gbk_page_without_any_charset_is_decoded(encoding: str):
    document = parse_payload(_chinese_page().encode(encoding), "text/html")
    assert "石渠县" in document.text and "牦牛合作社" in document.text


def test_the_pages_meta_charset_wins_over_a_wrong_header():
    page = _chinese_page('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    document = parse_payload(page.encode("gbk"), "text/html; charset=utf-8")
    assert "石渠县" in document.text


def test_utf8_bytes_under_a_latin1_header_are_read_as_utf8():
    document = parse_payload(_chinese_page().encode("utf-8"), "text/html; charset=ISO-8859-1")
    assert "石渠县" in document.text and "Ã" not in document.text


def test_a_wrong_meta_charset_is_checked_against_the_bytes():
    page = _chinese_page('<meta charset="utf-8">')
    document = parse_payload(page.encode("gb18030"), None)
    assert "石渠县" in document.text


def test_real_latin1_text_under_a_latin1_header_stays_latin1():
    page = f"<html><body><p>{PARAGRAPH} Café owners in Zürich paid.</p></body></html>"
    page = page.encode("latin-1")
    document = parse_payload(page, "text/html; charset=latin-1")
    assert "Café owners in Zürich" in document.text


def test_an_unknown_charset_label_falls_back_to_the_bytes():
    document = parse_payload(_chinese_page().encode("utf-8"), "text/html; charset=x-klingon")
    assert "石渠县" in document.text


# --- structural caps: bounded time, a clear reason ---------------------------------


def test_deeply_nested_html_is_refused_with_the_reason():
    page = "<html><body>" + "<div>" * 1000 + f"<p>{PARAGRAPH}</p>" + "</div>" * 1000
    with pytest.raises(ParseError, match="levels deep"):
        parse_html(page)


def test_a_page_of_100000_links_is_refused_quickly():
    import time

    links = "".join(f'<a href="/x{i}">link {i}</a> ' for i in range(100_000))
    start = time.monotonic()
    with pytest.raises(ParseError, match="not a news article"):
        parse_html(f"<html><body><p>{PARAGRAPH}</p>{links}</body></html>")
    listed = "".join(f'<li><a href="/x{i}">link {i}</a></li>' for i in range(100_000))
    with pytest.raises(ParseError, match="more than 30000 tags"):
        parse_html(f"<html><body><p>{PARAGRAPH}</p><ul>{listed}</ul></body></html>")
    assert time.monotonic() - start < 1


def test_thousands_of_inline_elements_in_one_paragraph_are_refused():
    spans = "".join(f"<span>w{i}</span> " for i in range(5000))
    with pytest.raises(ParseError, match="inline elements"):
        parse_html(f"<html><body><p>{PARAGRAPH}</p><p>{spans}</p></body></html>")


def test_an_ordinary_page_with_many_links_still_parses():
    menu = "<ul>" + "".join(f'<li><a href="/n{i}">n{i}</a></li>' for i in range(3000)) + "</ul>"
    document = parse_html(_page().replace("<article>", f"<nav>{menu}</nav><article>"))
    assert "Shiqu County" in document.text


def test_a_utf8_page_that_kept_its_old_gb2312_meta_is_read_as_utf8():
    page = _chinese_page('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    document = parse_payload(page.encode("utf-8"), "text/html")
    assert "石渠县" in document.text and "牦牛合作社" in document.text


# Fragments that each make ftfy change something, or must not: mojibake, curly quotes,
# ligatures, wide forms, HTML entities before and after a "<", control characters,
# line separators, carriage returns, and plain ASCII.
_FTFY_FRAGMENTS = (
    "plain words, 20 million yuan (2023); ok?",
    "region\u00e2\u20ac\u2122s",
    "\u201cquoted\u201d",
    "\ufb01ve",
    "\uff2c\uff2f\uff35\uff24",
    "&amp; &lt;x&gt; &#x2019;",
    "<b>",
    "\x00\x07\x1b[31m\x7f",
    "\u2028",
    "\r\n",
    "\r",
    "\n",
    "\n\n",
    "\t",
    "\u00a0",
    "\ufffd",
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_FTFY_FRAGMENTS), max_size=12))
def test_fixing_only_the_lines_that_need_it_equals_ftfy_on_the_whole_text(parts):
    text = "".join(parts)
    assert _fix_text(text) == ftfy.fix_text(text, normalization="NFC")


def test_fixing_only_the_lines_that_need_it_equals_ftfy_on_real_articles():
    docs = sorted((SHARED_DIR / "eval" / "real-dev" / "docs").glob("*"))
    if not docs:
        pytest.skip("../shared/eval/real-dev is not here")
    for doc in docs:
        text = doc.read_text(encoding="utf-8", errors="replace")
        assert _fix_text(text) == ftfy.fix_text(text, normalization="NFC"), doc.name
