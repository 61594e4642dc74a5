"""Generated hostile input: binary, control characters, bidi marks, SQL and Jinja look-alikes."""

from __future__ import annotations

from hypothesis import strategies as st

SQL_LIKE = (
    "'); drop table raw.articles; --",
    "1; DELETE FROM raw.quarantine WHERE 1=1; --",
    "' OR '1'='1",
    "\\'; attach 'evil.duckdb' as e; --",
    "$$; copy raw.articles to '/tmp/x.csv'; $$",
)
JINJA_LIKE = (
    "{{ config(materialized='table', pre_hook='drop table raw.articles') }}",
    "{% macro evil() %}{{ run_query('drop table raw.articles') }}{% endmacro %}",
    "{{ var('x') }} {# comment #} {%- raw -%}",
    "${jndi:ldap://127.0.0.1/a} %s %n {0} {{7*7}}",
)
ODD_CHARS = (
    "\x00",
    "\x01\x02\x1b[31m",
    "\u202e",  # right-to-left override
    "\u200f",  # right-to-left mark
    "\u200b\ufeff",
    "\ud7ff\ue000\uffff",
    "\U0001f4a9",
    "\r\n\x0b\x0c\x85\u2028\u2029",
    "石渠县 2000万元",
    "\u0301\u0301\u0301",
)
ATTRIBUTES = ("", ' class="x"', ' href="javascript:alert(1)"', " a='{{x}}'", ' on="\'--"')
TAGS = ("p", "div", "span", "a", "b", "table", "td", "script", "style", "iframe", "svg", "math")

hostile_fragment = st.one_of(
    st.sampled_from(SQL_LIKE),
    st.sampled_from(JINJA_LIKE),
    st.sampled_from(ODD_CHARS),
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=100),
)

hostile_text = st.lists(hostile_fragment, max_size=30).map("".join)


@st.composite
def hostile_html(draw) -> str:
    """An HTML-ish page: tags (balanced or not) around hostile fragments."""
    parts = [draw(st.sampled_from(["", "<!DOCTYPE html>", "<html><body>", "<?xml?>"]))]
    for _ in range(draw(st.integers(0, 40))):
        tag = draw(st.sampled_from(TAGS))
        attrs = draw(st.sampled_from(ATTRIBUTES))
        parts.append(f"<{tag}{attrs}>")
        parts.append(draw(hostile_fragment))
        if draw(st.booleans()):
            parts.append(f"</{tag}>")
    if draw(st.booleans()):
        # Sometimes a real paragraph, so the article path is exercised too.
        parts.append(
            "<p>Jinniu District allocated 20 million yuan to Shiqu County in 2023 for yak "
            f"cooperatives. {draw(hostile_fragment)}</p>"
        )
    return "".join(parts)


charsets = st.sampled_from(
    [
        None,
        "text/html",
        "text/html; charset=utf-8",
        "text/html; charset=ISO-8859-1",
        "text/html; charset=gbk",
        "text/plain",
        "application/octet-stream",
        "text/html; charset=x-unknown",
        "text/html; charset=utf-16",
        "text/html; charset=",
    ]
)
