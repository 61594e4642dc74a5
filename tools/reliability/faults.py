"""Fault and fuzz groups of the reliability matrix.

Faults: collect one source from a real HTTP server on 127.0.0.1
(``fault_server``) that answers with a scripted fault; the outcome is read
from the fetch log the collection wrote (nothing is lost silently: every
attempt is logged with its status or reason).

Fuzz: a few hundred generated hostile documents through
``parse_payload`` and ``extract_facts``. A ``ParseError`` is the clear reason
the design asks for; any other exception is a crash.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingestion.config import PROJECT_ROOT
from ingestion.landing import LandingStore
from tools.reliability.fault_server import Route, respond, serve
from tools.reliability.scenarios import Row

ARTICLE = (
    b"<html><head><title>Jiangsu helps Kizilsu</title></head><body><p>In 2021 Jiangsu "
    b"province invested 120 million yuan in Artux city, Kizilsu.</p></body></html>"
)
FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>a</title><link>article.html</link></item></channel></rss>"""


@dataclass(frozen=True)
class Fault:
    name: str
    kind: str  # page or feed
    routes: Callable[[], dict[str, Route]]
    expect_landed: int  # payloads a correct fetcher lands
    expect_error: str  # text the fetch log must give as the reason ("" when none)


def _flaky_then_ok() -> dict[str, Route]:
    calls = {"n": 0}
    unavailable = respond(503, b"busy", {"Retry-After": "0"})
    ok = respond(200, ARTICLE, {"Content-Type": "text/html"})

    def route(handler: object) -> None:
        calls["n"] += 1
        (unavailable if calls["n"] == 1 else ok)(handler)  # type: ignore[arg-type]

    return {"/page.html": route}


FAULTS = (
    Fault("HTTP 500 on every attempt", "page", lambda: {"/page.html": respond(500)}, 0, "500"),
    Fault("HTTP 503 + Retry-After, then 200", "page", _flaky_then_ok, 1, ""),
    Fault(
        "redirect loop",
        "page",
        lambda: {
            "/page.html": respond(302, headers={"Location": "/other.html"}),
            "/other.html": respond(302, headers={"Location": "/page.html"}),
        },
        0,
        "loop",
    ),
    Fault(
        "redirect to a disallowed host",
        "page",
        lambda: {"/page.html": respond(302, headers={"Location": "http://example.com/x"})},
        0,
        "example.com",
    ),
    Fault(
        "oversize body (above max_bytes)",
        "page",
        lambda: {"/page.html": respond(200, b"x" * 300_000, {"Content-Type": "text/html"})},
        0,
        "cap",
    ),
    Fault(
        "malformed feed",
        "feed",
        lambda: {"/feed.xml": respond(200, b"<rss><channel><item>", {})},
        1,  # the payload is kept (nothing fetched is lost); the log says why it is unusable
        "malformed feed",
    ),
)


def fault_scenario(fault: Fault) -> Row:
    from ingestion.fetch.collect import collect_source
    from ingestion.sources import FeedSource, FetchPolicy, PageSource

    policy = FetchPolicy(
        allow_private_addresses=True,
        backoff_seconds=0.01,
        max_attempts=3,
        max_bytes=100_000,
        timeout_seconds=10,
    )
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="assist-fault-") as tmp:
        folder = Path(tmp)
        (folder / "article.html").write_bytes(ARTICLE)
        landing = LandingStore(folder / "landing")
        try:
            with serve(folder, fault.routes()) as (base, _hits):
                if fault.kind == "feed":
                    source = FeedSource(
                        id="fault", kind="feed", url=f"{base}/feed.xml", fetch=policy
                    )
                else:
                    source = PageSource(
                        id="fault", kind="page", url=f"{base}/page.html", fetch=policy
                    )
                collect_source(source, PROJECT_ROOT, landing)
        except Exception as error:  # the collector must not crash on a bad server
            return Row(
                f"fault: {fault.name}",
                f"CRASH {type(error).__name__}: {error}"[:120],
                None,
                None,
                None,
                time.monotonic() - started,
                ok=False,
            )
        attempts = list(landing.iter_fetch_log())
        landed = len(list(landing.payloads_dir.glob("*/*"))) if landing.payloads_dir.exists() else 0
        errors = [a.error for a in attempts if a.error]
        statuses = [a.status for a in attempts if a.status is not None]
    reason_ok = (
        (fault.expect_error.lower() in " ".join(errors).lower()) if fault.expect_error else True
    )
    ok = reason_ok and landed == fault.expect_landed and bool(attempts)
    outcome = f"{len(attempts)} attempts logged (status {statuses or '-'}), {landed} landed" + (
        f"; reason: {errors[-1][:60]}" if errors else ""
    )
    return Row(
        f"fault: {fault.name}",
        outcome if ok else f"UNEXPECTED: {outcome}",
        max(0, fault.expect_landed - landed),
        max(0, landed - fault.expect_landed),
        None,
        time.monotonic() - started,
        ok=ok,
    )


def fault_scenarios() -> list[Row]:
    return [fault_scenario(fault) for fault in FAULTS]


# --- fuzz -------------------------------------------------------------------------------------

_HOSTILE_SNIPPETS = (
    "'; drop table raw.articles; --",
    "{{ config(materialized='table') }} {% for x in range(10**9) %}{{ x }}{% endfor %}",
    "${jndi:ldap://127.0.0.1/a}",
    "\u202e\u200f\u200e\u2066\u2069",  # RTL and isolate marks
    "\ufeff\u200b\u00ad\ufffd",
    "Jiangsu invested 1e309 yuan in 99999999999999999999 counties in year -0",
    "Shanghai helped Yunnan with 1,2,3,4,5,6,7,8,9,0 billion yuan 亿元 万元 in 2020年",
    "<script>alert(1)</script><![CDATA[x]]><!-- -->",
    "&#0; &#x110000; &amp;&amp;&amp; &nbsp;",
)


def hostile_inputs(count: int, seed: int = 20240101) -> list[bytes]:
    rng = random.Random(seed)
    inputs: list[bytes] = []
    for index in range(count):
        kind = index % 8
        if kind == 0:  # random bytes
            inputs.append(rng.randbytes(rng.randint(0, 4000)))
        elif kind == 1:  # deep nesting
            depth = rng.choice([100, 1000, 5000])
            inputs.append(("<div>" * depth + "Jiangsu helped Artux" + "</div>" * depth).encode())
        elif kind == 2:  # control characters inside text
            chars = [chr(rng.randint(0, 31)) if rng.random() < 0.3 else "a" for _ in range(2000)]
            inputs.append(("<p>" + "".join(chars).replace("\x00", "") + "</p>").encode())
        elif kind == 3:  # RTL marks and invisible characters between words
            words = ["Jiangsu", "invested", "30", "million", "yuan", "in", "Hotan", "in", "2019"]
            marks = _HOSTILE_SNIPPETS[3] + _HOSTILE_SNIPPETS[4]
            inputs.append(
                "".join(w + rng.choice(marks) for w in words).encode("utf-8", "surrogatepass")
            )
        elif kind == 4:  # SQL/Jinja-looking text
            text = " ".join(rng.choice(_HOSTILE_SNIPPETS) for _ in range(rng.randint(1, 30)))
            inputs.append(f"<html><body><p>{text}</p></body></html>".encode())
        elif kind == 5:  # mixed and broken encodings
            text = "东西部协作 Jiangsu 帮扶 克孜勒苏 120万元 " * rng.randint(1, 50)
            encoding = rng.choice(["gb18030", "big5", "utf-16", "latin-1", "utf-8"])
            inputs.append(text.encode(encoding, errors="replace")[: rng.randint(1, 3000)])
        elif kind == 6:  # huge numbers, long sentences
            numbers = " ".join(str(rng.randint(0, 10**30)) for _ in range(200))
            inputs.append(f"In 2020 Fujian invested {numbers} yuan in Ningxia.".encode())
        else:  # one very long line without sentence breaks
            inputs.append(("Jiangsu " * rng.randint(1000, 20000)).encode())
    return inputs


def fuzz_scenario(count: int = 400) -> Row:
    from ingestion.extract import extract_facts
    from ingestion.parse.document import ParseError, parse_payload

    started = time.monotonic()
    crashes: list[str] = []
    refused = 0
    slowest = 0.0
    for index, payload in enumerate(hostile_inputs(count)):
        t0 = time.monotonic()
        try:
            document = parse_payload(payload, "text/html")
        except ParseError:
            refused += 1
            text = payload.decode("utf-8", errors="replace").replace("\x00", "")
        except Exception as error:
            crashes.append(f"parse #{index}: {type(error).__name__}: {error}"[:100])
            text = payload.decode("utf-8", errors="replace").replace("\x00", "")
        else:
            text = document.text
        try:
            extract_facts(f"fuzz-{index}", text)
        except Exception as error:
            crashes.append(f"extract #{index}: {type(error).__name__}: {error}"[:100])
        slowest = max(slowest, time.monotonic() - t0)
    outcome = (
        f"{count} hostile inputs: {len(crashes)} crashes, {refused} refused with a reason, "
        f"max {slowest * 1000:.0f} ms per input" + (f" (first: {crashes[0]})" if crashes else "")
    )
    return Row(
        "fuzz: parse_payload + extract_facts",
        outcome,
        None,
        None,
        None,
        time.monotonic() - started,
        ok=not crashes and slowest < 5.0,
    )
