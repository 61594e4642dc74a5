"""Turn one HTML page or text file into the article's main text, title and date.

trafilatura strips navigation, footers and other chrome; ftfy repairs the
mojibake machine-translated Chinese sites are full of ("region¡¯s"). Both are
deterministic, so re-parsing the same payload gives the same article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import ftfy
import trafilatura

PARSER_VERSION = "parse-1"

# Shorter than this, what trafilatura found is chrome (a menu, a caption), not a story.
MIN_ARTICLE_CHARS = 80

# Pages above this size are not news articles; parsing them costs time for nothing.
MAX_HTML_BYTES = 5_000_000

# "region¡¯s": a right single quote (U+2019) encoded as GBK and read back as Latin-1.
# ftfy does not know this GBK round trip, so it is repaired here before ftfy runs.
_GBK_MOJIBAKE = {
    "¡¯": "'",
    "¡®": "'",
    "¡°": '"',
    "¡±": '"',
    "¡¢": ",",
    "¡£": ".",
    "¡ª": "-",
}
_GBK_MOJIBAKE_RE = re.compile("|".join(map(re.escape, _GBK_MOJIBAKE)))


class ParseError(ValueError):
    """A payload that cannot be turned into an article; the reason goes to quarantine."""


@dataclass(frozen=True)
class ParsedDocument:
    title: str | None
    published_date: date | None
    text: str


def repair_text(text: str) -> str:
    """Repair encoding damage and normalise white space, keeping paragraph breaks."""
    text = _GBK_MOJIBAKE_RE.sub(lambda m: _GBK_MOJIBAKE[m.group(0)], text)
    text = ftfy.fix_text(text, normalization="NFC")
    lines = (re.sub(r"[ \t\u3000\xa0]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def decode_payload(payload: bytes, declared_charset: str | None = None) -> str:
    """Decode bytes with the declared charset, falling back to UTF-8 then GB18030."""
    for encoding in filter(None, (declared_charset, "utf-8", "gb18030")):
        try:
            return payload.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return payload.decode("utf-8", errors="replace")


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def parse_html(html: str) -> ParsedDocument:
    """Main text, title and date of an HTML page; raises ParseError when there is none."""
    if len(html) > MAX_HTML_BYTES:
        raise ParseError(f"page is {len(html)} characters, above the {MAX_HTML_BYTES} cap")
    extracted = trafilatura.bare_extraction(
        html,
        include_comments=False,
        include_tables=True,
        favor_recall=True,
        with_metadata=True,
        # Without this, trafilatura guesses "2023-01-01" from any "in 2023" in the text.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = repair_text(extracted.text or "") if extracted is not None else ""
    if len(text) < MIN_ARTICLE_CHARS:
        raise ParseError(f"no article text found in the page ({len(text)} characters of text)")
    return ParsedDocument(
        title=repair_text(extracted.title) if extracted.title else None,
        published_date=_parse_date(extracted.date),
        text=text,
    )


def parse_plain_text(text: str) -> ParsedDocument:
    """A plain-text article: the first line is taken as its title."""
    repaired = repair_text(text)
    if not repaired:
        raise ParseError("the text is empty")
    first_line = repaired.split("\n", 1)[0]
    return ParsedDocument(title=first_line[:300], published_date=None, text=repaired)


def looks_like_html(payload_text: str) -> bool:
    head = payload_text[:2000].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or "<body" in head or "<p>" in head


def parse_payload(payload: bytes, content_type: str | None = None) -> ParsedDocument:
    """Parse a landed payload, HTML or plain text, whatever its declared type."""
    charset = None
    if content_type and "charset=" in content_type:
        charset = content_type.split("charset=", 1)[1].split(";")[0].strip()
    text = decode_payload(payload, charset)
    if "\x00" in text:
        raise ParseError("the payload is binary (it contains NUL bytes)")
    return parse_html(text) if looks_like_html(text) else parse_plain_text(text)


def read_document_text(path: Path) -> str:
    """The article text of a ``.txt`` or ``.html`` file, as the extractor should see it."""
    payload = path.read_bytes()
    if path.suffix.lower() in (".html", ".htm"):
        return parse_html(decode_payload(payload)).text
    return repair_text(decode_payload(payload))
