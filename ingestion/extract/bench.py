"""Extraction throughput on a synthetic corpus: ``python -m ingestion bench extract``.

The corpus is generated in memory from templates (seeded, so runs compare), in
the register of the real articles. The headline "realistic" corpus is what news
looks like: ~3 KB of mostly prose with a handful of fact sentences per article.
A "dense" corpus of nothing but fact-shaped sentences is timed as well, as a
worst case.
"""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc
from typing import Any

from ingestion.extract.memo import clear_text_caches
from ingestion.extract.pipeline import extract_facts

HELPERS = [
    "Tianjin",
    "Zhejiang",
    "Wuhou District",
    "Zigong City",
    "Sichuan Energy Investment",
    "Shanghai",
    "Fujian",
    "Guangdong",
    "Beijing",
    "Jiangsu",
    "Xiamen",
    "Qingdao",
]
HELPED = [
    "Hotan",
    "Qamdo",
    "Garze",
    "Cele County",
    "Zhaojue County",
    "Butuo County",
    "Liangshan",
    "Gansu",
    "Ningxia",
    "Kashgar",
    "Yutian County",
    "Shiqu County",
    "Xinlong County",
]
# Prose without facts: the bulk of a real article (quotes, background, colour).
FILLER = [
    "The meeting stressed the need to consolidate achievements and promote rural revitalization.",
    "Officials said the work would continue to focus on employment, education and health care.",
    '"We used to worry about the harvest every year," said a villager who asked not to be named.',
    "The county sits at an altitude of more than three kilometres, where winters are long.",
    "Young people who once left for factories on the coast are now returning to start businesses.",
    "Local cadres visited households one by one to check on housing, schooling and medical care.",
    "The new road has cut the journey to the county seat from four hours to forty minutes.",
    "Teachers and doctors sent by {a} have trained hundreds of local staff over the years.",
    "Experts said the region's farmers focus on labor service and e-commerce.",
    "The cooperative now runs its own packing line and sells through online platforms.",
    "Visitors can tour the tea gardens and stay in guesthouses run by the villagers themselves.",
    "He said the next step is to build a brand and improve quality rather than expand output.",
    "Print】【Close   Website Identification Code 51000000{k}  ICP No. 130012{k}",
    "Source: Xinhua   Editor: Wang Lei   Updated: {y}-0{k}-1{k}",
    "Related news: Spring ploughing begins across the province as temperatures rise.",
]
TEMPLATES = [
    "{a} paired up to help {b} in {y}, focusing on labor services and consumption.",
    "Since {y}, the {a} work team for helping {b} in pairs has built {n} workshops.",
    "{b}, supported by {a}, opened a new industrial park this spring.",
    "{a}-{b} east-west cooperation has deepened in the past year.",
    "{a} allocated {m} million yuan of assistance funds to {b} in {y}.",
    "A total of {m}.{k} billion yuan of financial funds has been invested in {b}.",
    "In {y}, {b} will have a planting area of {n}00 mu and an output of {n}0 tons of tea.",
    "The output value of navel orange reached about {m} million yuan, "
    "and sales exceeded {k}0 million yuan.",
    "{n} of the {t} poverty-stricken counties have taken off their hats, accounting for 9{k}%.",
    "There are still {k} villages in {b} that have not escaped poverty.",
    "The per capita income of farmers reached {n},{k}00 yuan, up {k}.5% from last year.",
    "Print】【Close   Website Identification Code 51000000{k}  ICP No. 130012{k}",
    "Experts said the region¡¯s farmers focus onLabor service and e-commerce.",
    "The meeting stressed the need to consolidate achievements and promote rural revitalization.",
]


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        a=rng.choice(HELPERS),
        b=rng.choice(HELPED),
        y=rng.randint(2015, 2024),
        n=rng.randint(2, 99),
        m=rng.randint(1, 999),
        k=rng.randint(1, 9),
        t=rng.randint(100, 200),
    )


def make_article(rng: random.Random, target_bytes: int = 3000, fact_share: float = 1.0) -> str:
    """One article; ``fact_share`` is the chance that a sentence is fact-shaped."""
    parts: list[str] = []
    size = 0
    while size < target_bytes:
        pool = TEMPLATES if rng.random() < fact_share else FILLER
        sentence = _fill(rng.choice(pool), rng)
        parts.append(sentence)
        size += len(sentence) + 1
        if rng.random() < 0.2:
            parts.append("\n\n")
    return " ".join(parts)


# About 5 fact sentences among ~30 in a 3 KB article, like the sample articles.
REALISTIC_FACT_SHARE = 0.15


def make_corpus(n_articles: int, seed: int, fact_share: float = REALISTIC_FACT_SHARE) -> list[str]:
    rng = random.Random(seed)
    return [make_article(rng, fact_share=fact_share) for _ in range(n_articles)]


def run_benchmark(
    n_articles: int, seed: int = 0, fact_share: float = REALISTIC_FACT_SHARE
) -> dict[str, Any]:
    """Extract from ``n_articles`` synthetic ~3 KB articles; report speed and memory."""
    return time_extraction(make_corpus(n_articles, seed, fact_share))


def page_texts(n_articles: int, seed: int = 0) -> list[str]:
    """The texts extraction reads from the pipeline benchmark's generated pages.

    The same pages as ``bench pipeline`` writes (``ingestion.bench.corpus``: about
    8 KB of HTML, 4.6 KB of story, a dozen fact sentences), each parsed as the
    loader parses it; the parse is not timed.
    """
    from ingestion.bench.corpus import article_page, gazetteer_places
    from ingestion.parse.document import parse_html

    places = gazetteer_places()
    return [
        parse_html(article_page(random.Random(f"{seed}:{serial}"), places, serial)).text
        for serial in range(n_articles)
    ]


def time_extraction(corpus: list[str]) -> dict[str, Any]:
    """Extract from every text of ``corpus``; report speed and memory.

    Speed is per core: the CPU time of this one process (``time.process_time``), so
    other work on a shared machine does not count against it; wall time is reported
    beside it. The memo caches are emptied before each timed pass, so a pass does not
    profit from an earlier pass over the same corpus.
    """
    n_articles = len(corpus)
    extract_facts("warmup", corpus[0] if corpus else "")  # loads the gazetteer once
    clear_text_caches()
    tracemalloc.start()
    start = time.process_time()
    facts = 0
    for i, text in enumerate(corpus):
        facts += len(extract_facts(f"bench-{i}", text))
    seconds = time.process_time() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # tracemalloc slows Python down; time once more without it for the headline rate.
    clear_text_caches()
    start, wall_start = time.process_time(), time.perf_counter()
    for i, text in enumerate(corpus):
        extract_facts(f"bench-{i}", text)
    plain, wall = time.process_time() - start, time.perf_counter() - wall_start
    total_bytes = sum(len(t.encode("utf-8")) for t in corpus)
    return {
        "articles": n_articles,
        "mean_article_bytes": round(total_bytes / n_articles) if n_articles else 0,
        "facts": facts,
        "clock": "process CPU time, one process on one core",
        "seconds": round(plain, 3),
        "articles_per_second": round(n_articles / plain, 1) if plain else float("inf"),
        "wall_seconds": round(wall, 3),
        "seconds_with_tracemalloc": round(seconds, 3),
        "peak_memory_mb": round(peak / 2**20, 2),
    }


def _run(args: argparse.Namespace) -> int:
    for label, share in (("realistic", REALISTIC_FACT_SHARE), ("dense", 1.0)):
        print(f"[{label} corpus: {share:.0%} fact sentences]")
        _print(run_benchmark(args.articles, args.seed, share))
    # The pipeline benchmark's pages: what the scale target (500 articles/s per core) is for.
    print("[generated pages: bench pipeline's articles, as the loader parses them]")
    _print(time_extraction(page_texts(args.articles, args.seed)))
    return 0


def _print(result: dict[str, Any]) -> None:
    for key, value in result.items():
        print(f"{key}: {value}")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bench", help="benchmarks")
    targets = parser.add_subparsers(dest="target", required=True)
    extract = targets.add_parser("extract", help="fact extraction throughput")
    extract.add_argument("--articles", type=int, default=2000)
    extract.add_argument("--seed", type=int, default=0)
    extract.set_defaults(func=_run)
