"""Turn one HTML page or text file into the article's main text, title and date.

trafilatura strips navigation, footers and other chrome; ftfy repairs the
mojibake machine-translated Chinese sites are full of ("region¡¯s"). Both are
deterministic, so re-parsing the same payload gives the same article.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import ftfy
import trafilatura

from ingestion.parse.limits import TimeLimitExceeded, time_limit

PARSER_VERSION = "parse-2"

# Shorter than this, what trafilatura found is chrome (a menu, a caption), not a story.
MIN_ARTICLE_CHARS = 80

# Pages above this size are not news articles; parsing them costs time for nothing.
MAX_HTML_BYTES = 5_000_000

# Structural caps, checked with a regular expression before trafilatura sees the page.
# Measured (trafilatura 2.x, one core): 20,000 links parse in 1.4 s, 40,000 in 3.7 s,
# 100,000 in 20 s; real news pages have a few thousand tags. libxml2 stops at 256
# levels of nesting and trafilatura then finds no text at all, so a deeper page is
# refused with that reason rather than "no article text".
# trafilatura (via lxml's strip_tags and its own loops) is quadratic in the number of
# inline elements under one parent: 10,000 <span>/<b>/<small> in one <p> take 5-8 s,
# partly inside single lxml calls a timer cannot interrupt. Real paragraphs have tens.
MAX_TAGS = 30_000
MAX_NESTING_DEPTH = 250
MAX_INLINE_RUN = 2_000
# Wall-clock cap on trafilatura itself (see ingestion.parse.limits): some structures
# under the tag cap are still quadratic (10,000 <span> in one <p>: 7 s).
PARSE_TIME_LIMIT_SECONDS = 5.0

_TAG_START = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]{0,15})")
# Elements that never nest (void) or whose end tag is optional: not counted in depth.
_VOID = ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr")
_OPTIONAL_END = ("p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option")
_NOT_NESTING = frozenset(_VOID + _OPTIONAL_END + ("param", "source", "track", "colgroup"))
# Tags that start a new block: a run of inline elements is counted between two of them.
_BLOCK = frozenset(
    {
        *("p", "div", "li", "td", "th", "tr", "table", "ul", "ol", "dl", "dt", "dd"),
        *("article", "section", "main", "header", "footer", "nav", "aside", "blockquote"),
        *("pre", "form", "h1", "h2", "h3", "h4", "h5", "h6", "body", "html", "head", "figure"),
    }
)

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


# A line of printable ASCII without "&" or "<" is one ftfy returns unchanged: mojibake,
# curly quotes, ligatures, wide forms and line separators are all non-ASCII, control
# characters are outside the class, and HTML unescaping needs an "&" (and stops for
# good once ftfy sees a "<").
_PLAIN_LINE = re.compile(r"[\t\x20-\x25\x27-\x3b\x3d-\x7e]*\n?")


def _fix_text(text: str) -> str:
    """``ftfy.fix_text(text, normalization="NFC")``, skipping the lines it would not change.

    ftfy fixes a text one line at a time, so only the other lines go through it; on
    news, most lines are plain ASCII, and ftfy was a fifth of the parse stage. The one
    state ftfy carries from line to line, that HTML unescaping stops after the first
    line with a "<", is carried here too; plain lines hold no "<".
    """
    out: list[str] = []
    unescape_html: str | bool = "auto"
    position = 0
    while position < len(text):
        plain = _PLAIN_LINE.match(text, position)
        if (
            plain is not None
            and plain.end() > position
            and (plain.end() == len(text) or text[plain.end() - 1] == "\n")
        ):
            out.append(plain.group())
            position = plain.end()
            continue
        end = text.find("\n", position) + 1 or len(text)
        line = text[position:end]
        out.append(ftfy.fix_text(line, normalization="NFC", unescape_html=unescape_html))
        if "<" in line:
            unescape_html = False
        position = end
    return "".join(out)


# A run of blanks that is not already one plain space: collapsed to one. A lone space
# is left alone instead of being replaced by itself (a news page has about a thousand,
# and substituting each was half of this function's time). Line breaks are not in
# the class, so collapsing the whole text at once keeps the lines apart.
_BLANK_RUN = re.compile(r"[ \t\u3000\xa0]{2,}|[\t\u3000\xa0]")


def repair_text(text: str) -> str:
    """Repair encoding damage and normalise white space, keeping paragraph breaks."""
    text = _GBK_MOJIBAKE_RE.sub(lambda m: _GBK_MOJIBAKE[m.group(0)], text)
    text = _BLANK_RUN.sub(" ", _fix_text(text))
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,500}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE
)
# Single-byte charsets decode any bytes at all, so a declaration of one proves nothing:
# servers of Chinese sites often send "charset=ISO-8859-1" for GBK or UTF-8 pages.
_SINGLE_BYTE = frozenset({"latin_1", "iso8859_1", "cp1252", "ascii", "iso8859_15"})
# GB2312 and GBK pages use characters outside them; GB18030 is the superset.
_GB_FAMILY = frozenset({"gb2312", "gbk", "gb18030", "hz"})


def _codec(name: str | None) -> str | None:
    """Python's canonical codec name for a charset label, or None for an unknown label."""
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip("\"'")).name.replace("-", "_")
    except LookupError:
        return None
    return "gb18030" if codec in _GB_FAMILY else codec


def meta_charset(payload: bytes) -> str | None:
    """The charset a page declares in a ``<meta>`` near its top (as browsers pre-scan)."""
    match = _META_CHARSET.search(payload[:4096])
    return match.group(1).decode("ascii") if match else None


def decode_payload(payload: bytes, declared_charset: str | None = None) -> str:
    """Decode bytes, checking every declaration against the bytes themselves.

    Order: a byte-order mark; UTF-8; the page's own ``<meta charset>``; the charset
    the server declared; GB18030; and only then a single-byte charset someone
    declared (it would "succeed" on any bytes). Each is tried strictly, so a wrong
    declaration falls through to the next.

    UTF-8 comes before the declarations because it is the one check that means
    something: GBK or Latin-1 text is practically never valid UTF-8, while GB18030
    accepts most UTF-8 bytes and turns them into mojibake. Pages saved as UTF-8
    that keep their original ``<meta charset=gb2312>`` are common in Chinese
    archives, as are servers sending ``charset=ISO-8859-1`` for anything. A
    declared UTF-16/32 (no mark) is the exception and is tried first.
    """
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if payload.startswith(bom):
            try:
                return payload.decode(encoding)
            except UnicodeDecodeError:
                break
    declared = [_codec(meta_charset(payload)), _codec(declared_charset)]
    wide = [c for c in declared if c and c.startswith(("utf_16", "utf_32"))]
    strong = [c for c in declared if c and c not in _SINGLE_BYTE]
    weak = [c for c in declared if c in _SINGLE_BYTE]
    for encoding in dict.fromkeys([*wide, "utf_8", *strong, "gb18030", *weak]):
        try:
            return payload.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return payload.decode("utf-8", errors="replace")


def check_structure(html: str) -> None:
    """Refuse a page whose structure would make parsing slow or meaningless.

    Linear in the page and cheap (a regular expression over tag names, about
    20 ms for a 5 MB page), so it runs before trafilatura.
    """
    tags = 0
    depth = deepest = 0
    inline_run = 0
    for match in _TAG_START.finditer(html):
        tags += 1
        if tags > MAX_TAGS:
            raise ParseError(f"page has more than {MAX_TAGS} tags; not a news article")
        name = match.group(2).lower()
        if name in _BLOCK:
            inline_run = 0
        elif not match.group(1):
            inline_run += 1
            if inline_run > MAX_INLINE_RUN:
                raise ParseError(
                    f"page has more than {MAX_INLINE_RUN} inline elements in one block "
                    f"(<{name}>...); not a news article"
                )
        if name in _NOT_NESTING:
            continue
        if match.group(1):
            depth = max(0, depth - 1)
        else:
            depth += 1
            deepest = max(deepest, depth)
    if deepest > MAX_NESTING_DEPTH:
        raise ParseError(
            f"page nests elements {deepest} levels deep, above the {MAX_NESTING_DEPTH}-level cap"
        )


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
    check_structure(html)
    try:
        with time_limit(PARSE_TIME_LIMIT_SECONDS, "parsing the page"):
            extracted = trafilatura.bare_extraction(
                html,
                include_comments=False,
                include_tables=True,
                favor_recall=True,
                with_metadata=True,
                # Without this, trafilatura guesses "2023-01-01" from any "in 2023" in the text.
                date_extraction_params={"extensive_search": False, "original_date": True},
            )
    except TimeLimitExceeded as error:
        raise ParseError(str(error)) from error
    except (ValueError, TypeError, RecursionError, MemoryError) as error:
        # lxml and trafilatura raise these on some hostile input; the page is unusable.
        raise ParseError(f"the page cannot be parsed: {type(error).__name__}: {error}") from error
    # Without as_dict, trafilatura gives a Document (or None for no article).
    assert not isinstance(extracted, dict)
    text = repair_text(extracted.text or "") if extracted is not None else ""
    if extracted is None or len(text) < MIN_ARTICLE_CHARS:
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


_HTML_HINTS = ("<body", "<p>", "<p ", "<div", "<article", "<head", "<title", "<br")


def looks_like_html(payload_text: str) -> bool:
    """Sniff HTML whatever the declared type (servers send text/plain, octet-stream, none)."""
    head = payload_text[:2000].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or any(h in head for h in _HTML_HINTS)


def parse_payload(payload: bytes, content_type: str | None = None) -> ParsedDocument:
    """Parse a landed payload, HTML or plain text, whatever its declared type."""
    charset = None
    if content_type and "charset=" in content_type.lower():
        charset = content_type.lower().split("charset=", 1)[1].split(";")[0].strip()
    if len(payload) > MAX_HTML_BYTES:
        raise ParseError(f"payload is {len(payload)} bytes, above the {MAX_HTML_BYTES} cap")
    text = decode_payload(payload, charset)
    if "\x00" in text:
        raise ParseError("the payload is binary (it contains NUL bytes)")
    if _mostly_control(text):
        raise ParseError("the payload is binary (mostly control characters)")
    return parse_html(text) if looks_like_html(text) else parse_plain_text(text)


# C0 controls other than tab, line feed, form feed and carriage return; the
# replacement character.
_BINARY_CHARACTER = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")


def _mostly_control(text: str) -> bool:
    """Binary data that happened to decode: many C0 controls or replacement characters."""
    sample = text[:10_000]
    if not sample:
        return False
    return len(_BINARY_CHARACTER.findall(sample)) / len(sample) > 0.1


def read_document_text(path: Path) -> str:
    """The article text of a ``.txt`` or ``.html`` file, as the extractor should see it."""
    payload = path.read_bytes()
    if path.suffix.lower() in (".html", ".htm"):
        return parse_html(decode_payload(payload)).text
    return repair_text(decode_payload(payload))
