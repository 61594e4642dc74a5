"""A generated corpus of realistic news pages for the pipeline benchmark.

Seeded, so two runs compare; every page is distinct (its own places, numbers,
dates and sentence order). The register is that of assistance news: a story of
about 4.6 KB of body text, a dozen of its sentences carrying facts (pairings,
funds, output values, poverty exits), the rest colour, inside about 8 KB of
page chrome (menus, related links, footer), as a news site serves it. Places
come from the gazetteer; numbers are plausible (exited <= total, shares below
100%). All sentences are written for this generator: nothing is copied from
real articles.
"""

from __future__ import annotations

import csv
import html
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REGIONS_CSV = Path(__file__).resolve().parent.parent / "gazetteer" / "data" / "regions.csv"

# Provinces whose counties receive assistance in the stories (west and south-west).
ASSISTED_PROVINCES = ("51", "52", "53", "54", "62", "63", "64", "65", "45", "15", "43")

BODY_TARGET_CHARS = 4600

PRODUCTS = (
    "tea",
    "navel orange",
    "kiwifruit",
    "walnut",
    "pepper",
    "highland barley",
    "yak meat",
    "apricot",
    "potato",
    "edible fungus",
    "honey",
    "red date",
)
MECHANISMS = (
    "east-west cooperation",
    "counterpart assistance",
    "paired assistance",
    "targeted assistance",
)

# Fact-shaped sentences. Slots: {a} helper, {b} assisted county, {p} its prefecture,
# {y} year, {m} millions, {n} small count, {t} total >= {e} exited, {r} a rate.
FACT_TEMPLATES = (
    "In {y}, {a} and {b} signed a {mech} agreement covering industry, labour and education.",
    "Since {y}, {a} has paired up to help {b}, sending {n} officials and teachers.",
    "{a} allocated {m} million yuan of assistance funds to {b} in {y}.",
    "In {y}, {a} invested {m} million yuan in {b} to build roads and drinking water projects.",
    "A total of {m} million yuan from {a} has gone into {n} industrial projects in {b}.",
    "The output value of {prod} in {b} reached {m} million yuan in {y}.",
    "In {y}, {b} planted {n},{k}00 mu of {prod} with an output value of {m} million yuan.",
    "By the end of {y}, {e} of the {t} poor villages in {b} had been lifted out of poverty.",
    "{b} lifted {e} villages out of poverty in {y}, leaving {rem} still below the line.",
    "In {y}, {e},{k}00 registered poor people in {b} shook off poverty.",
    "The poverty incidence of {p} fell to {r}% by the end of {y}.",
    "{a} helped {b} sell {prod} worth {m} million yuan through consumption assistance in {y}.",
)

FILLER_TEMPLATES = (
    "Officials in {b} said the work would stay focused on jobs, schooling and clinics.",
    "A villager in {b} said the family had moved into a brick house two years ago.",
    "The county lies more than {n}00 metres above sea level, and its winters are long.",
    "Young people who once left for the coast have come back to open shops and workshops.",
    "Cadres visited households one by one to check on housing, schooling and medical care.",
    "The new road has cut the trip to the county seat from {n} hours to under one hour.",
    "Teachers and doctors from {a} have trained local staff in the township schools.",
    "The cooperative now runs its own sorting line and sells through online shops.",
    "Visitors can walk the terraces and stay in guesthouses the villagers run themselves.",
    "The next step is to build a brand and raise quality rather than expand acreage.",
    "A training centre opened in the spring, and {n} classes have already been held.",
    "Market days in the town now draw buyers from {p} and beyond.",
    "Local officials said the gains must be consolidated and linked to rural revitalization.",
    "Several workshops employ women who can work close to home and look after children.",
    "The village clinic now has a doctor on duty every day of the week.",
    "Students from the village boarded at the county middle school for the first time.",
    "Technicians showed farmers how to prune, fertilise and store the harvest.",
    "The cold storage built last year keeps produce fresh until prices recover.",
)

CHROME_LINKS = (
    "Home",
    "News",
    "Politics",
    "Economy",
    "Rural Revitalization",
    "Culture",
    "Photos",
    "Video",
    "Opinion",
    "English",
    "About Us",
    "Contact",
    "Sitemap",
    "Archives",
)


@dataclass(frozen=True)
class Places:
    helpers: tuple[str, ...]
    counties: tuple[tuple[str, str], ...]  # (county, its prefecture)


@cache
def gazetteer_places(path: Path = REGIONS_CSV) -> Places:
    """Helpers (provinces and prefectures) and assisted counties, from the gazetteer."""
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    names = {row["region_code"]: row["name_en"] for row in rows}
    helpers = tuple(row["name_en"] for row in rows if row["level"] in ("province", "prefecture"))
    counties = tuple(
        (row["name_en"], names.get(row["prefecture_code"], ""))
        for row in rows
        if row["level"] == "county"
        and row["region_code"][:2] in ASSISTED_PROVINCES
        and row["name_en"].endswith(("County", "Banner"))
        and names.get(row["prefecture_code"])
    )
    return Places(helpers=helpers, counties=counties)


def _sentence(template: str, rng: random.Random, helper: str, county: str, pref: str) -> str:
    total = rng.randint(20, 400)
    exited = rng.randint(1, total)
    return template.format(
        a=helper,
        b=county,
        p=pref,
        y=rng.randint(2014, 2024),
        m=rng.randint(2, 980),
        n=rng.randint(2, 60),
        k=rng.randint(1, 9),
        t=total,
        e=exited,
        rem=total - exited,
        r=f"{rng.randint(0, 9)}.{rng.randint(0, 9)}",
        prod=rng.choice(PRODUCTS),
        mech=rng.choice(MECHANISMS),
    )


def article_body(rng: random.Random, places: Places) -> tuple[str, list[str]]:
    """A title and paragraphs of about BODY_TARGET_CHARS characters."""
    helper = rng.choice(places.helpers)
    county, pref = rng.choice(places.counties)
    second_helper = rng.choice(places.helpers)
    sentences: list[str] = []
    size = 0
    while size < BODY_TARGET_CHARS:
        fact = rng.random() < 0.4
        template = rng.choice(FACT_TEMPLATES if fact else FILLER_TEMPLATES)
        who = helper if rng.random() < 0.8 else second_helper
        sentence = _sentence(template, rng, who, county, pref)
        sentences.append(sentence)
        size += len(sentence) + 1
    paragraphs = []
    while sentences:
        take = rng.randint(2, 5)
        paragraphs.append(" ".join(sentences[:take]))
        sentences = sentences[take:]
    title = f"{helper} and {county}: {rng.choice(PRODUCTS)} and jobs, year {rng.randint(1, 999)}"
    return title, paragraphs


def _chrome(rng: random.Random, places: Places, serial: int) -> tuple[str, str, str]:
    menu = "".join(
        f'<li><a href="/{link.lower().replace(" ", "-")}/">{link}</a></li>' for link in CHROME_LINKS
    )
    related = "".join(
        f'<li><a href="/news/{serial}-{i}.html">{html.escape(rng.choice(places.helpers))} '
        f"holds a meeting on spring farming and employment</a></li>"
        for i in range(12)
    )
    footer = (
        "<p>Copyright © Assistance News Network. All rights reserved.</p>"
        f"<p>Website identification code 5100000{serial % 1000:03d}"
        f"  ICP No. 13001{serial % 97:02d}</p>"
        "<p>Print】【Close</p>"
    )
    return menu, related, footer


def article_page(rng: random.Random, places: Places, serial: int) -> str:
    """One article page (~8 KB of HTML, ~4.6 KB of it the story)."""
    title, paragraphs = article_body(rng, places)
    menu, related, footer = _chrome(rng, places, serial)
    date = f"{rng.randint(2016, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        f'<meta name="date" content="{date}"></head><body>'
        f'<header><nav><ul class="menu">{menu}</ul></nav></header>'
        f'<main><article><h1>{html.escape(title)}</h1><div class="info">'
        f"Source: Assistance News Network  Editor: Staff  Updated: {date}</div>"
        f'<div class="content">{body}</div></article>'
        f'<aside><h3>Related news</h3><ul class="related">{related}</ul></aside></main>'
        f"<footer>{footer}</footer></body></html>"
    )


def write_corpus(folder: Path, first: int, count: int, seed: int) -> list[Path]:
    """Write articles ``first .. first+count-1`` (each seeded by its number) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    places = gazetteer_places()
    paths = []
    for serial in range(first, first + count):
        rng = random.Random(f"{seed}:{serial}")
        path = folder / f"article-{serial:07d}.html"
        path.write_text(article_page(rng, places, serial), encoding="utf-8")
        paths.append(path)
    return paths
