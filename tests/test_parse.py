"""Parsing pages and texts: main text without chrome, encoding repaired, honest dates."""

from __future__ import annotations

import pytest

from ingestion.parse.document import ParseError, parse_html, parse_payload, repair_text

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
