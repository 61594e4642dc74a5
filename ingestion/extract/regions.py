"""Place and organisation mentions in a sentence, resolved against the gazetteer.

Mentions are found by dictionary lookup over word windows (no regex alternation
of thousands of names). A mention is the proper name plus any suffix words that
follow it ("Liangshan Yi Autonomous Prefecture", "Hotan area"). A place next to
its own parent ("Wuhou District of Chengdu", "Litang County, Garze
Prefecture", "Chengde in Hebei") is one mention: the parent only disambiguates.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace

from ingestion.extract.casing import ENGLISH_WORDS, is_pinyin_name
from ingestion.extract.memo import text_cache
from ingestion.gazetteer import Gazetteer, Region, fold, load_gazetteer
from ingestion.gazetteer.lookup import SUFFIX_ZH
from ingestion.gazetteer.organisations import find_organisations

# A hyphen joins syllables ("Jian-ge") but not two names ("Fujian-Ningxia").
# A participle after the hyphen is a word of its own: "Nanjing-aided", "Wuxi-based";
# so is an assistance noun: "Shenzhen's Hechi-assistance projects", "Xinjiang-aid".
_WORD_RE = re.compile(
    r"[A-Za-z][A-Za-z'’]*(?:-(?!(?:aided|assisted|supported|funded|backed|sponsored|built|"
    r"run|led|based|made|style|level|aid|assistance|support)\b)[a-z][A-Za-z'’]*)*"
)
SUFFIX_WORDS = frozenset(
    [
        "county",
        "district",
        "city",
        "prefecture",
        "province",
        "region",
        "area",
        "league",
        "banner",
        "municipality",
    ]
)
ETHNIC_WORDS = frozenset(
    [
        "tibetan",
        "yi",
        "qiang",
        "hui",
        "miao",
        "zhuang",
        "uygur",
        "uyghur",
        "mongol",
        "mongolian",
        "kazak",
        "kazakh",
        "tujia",
        "dai",
        "bai",
        "hani",
        "lisu",
        "naxi",
        "dong",
        "bouyei",
        "buyei",
        "li",
        "yao",
        "salar",
        "tu",
        "dongxiang",
        "bonan",
        "korean",
        "manchu",
        "va",
        "lahu",
        "jingpo",
        "derung",
        "nu",
        "gelao",
        "maonan",
        "mulao",
        "she",
        "shui",
        "yugur",
        "xibe",
        "tajik",
        "kirgiz",
        "daur",
        "ewenki",
        "oroqen",
    ]
)
# Chinese surnames: a place-like word right after one is usually a given name
# ("Zhao Xinhe" is a person, not Xinhe County).
SURNAMES = frozenset(
    [
        "wang",
        "li",
        "zhang",
        "liu",
        "chen",
        "yang",
        "huang",
        "zhao",
        "wu",
        "zhou",
        "xu",
        "sun",
        "ma",
        "zhu",
        "hu",
        "guo",
        "he",
        "gao",
        "lin",
        "luo",
        "zheng",
        "liang",
        "xie",
        "song",
        "tang",
        "deng",
        "yuan",
        "feng",
        "han",
        "cao",
        "peng",
        "zeng",
        "xiao",
        "tian",
        "dong",
        "pan",
        "yin",
        "qu",
        "jiang",
        "cai",
        "yu",
        "du",
        "ye",
        "cheng",
        "wei",
        "su",
        "lu",
        "ding",
        "ren",
        "shen",
        "yao",
        "fu",
        "zhong",
        "cui",
        "tan",
        "liao",
        "fan",
        "jin",
        "shi",
        "jia",
        "xia",
        "fang",
        "zou",
        "xiong",
        "bai",
        "meng",
        "qin",
        "qiu",
        "hou",
        "xue",
        "yan",
        "duan",
        "lei",
        "long",
        "tao",
        "mao",
        "hao",
        "gu",
        "gong",
        "shao",
        "wan",
        "qian",
        "dai",
        "mo",
        "kong",
        "xiang",
        "niu",
    ]
)
# A capitalised name with an administrative suffix is a place even when the
# gazetteer does not know it (renamed districts, Mongolian or Tibetan forms):
# "Pidu District", "Ongniud Banner".
# "\b[A-Z]" written "[A-Z](?<!\w[A-Z])" (the boundary checked behind the capital) here
# and below: a pattern that opens with a character class lets the engine jump to the
# capitals instead of trying every position (1.8x faster, same matches).
UNKNOWN_PLACE_RE = re.compile(
    r"([A-Z](?<!\w[A-Z])[a-z]+(?:['’-][a-z]+)*)\s(County|District|Banner|Prefecture|League)\b"
)
# Capitalised words that start a suffixed phrase without naming a place.
NOT_PLACE_NAMES = frozenset(
    [
        "the",
        "this",
        "that",
        "these",
        "those",
        "each",
        "every",
        "our",
        "their",
        "its",
        "his",
        "her",
        "a",
        "an",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "both",
        "all",
        "other",
        "another",
        "some",
        "many",
        "several",
        "central",
        "western",
        "eastern",
        "northern",
        "southern",
        "new",
        "old",
        "poor",
        "key",
        "pilot",
        "economic",
        "development",
        "industrial",
        "autonomous",
        "district",
        "prefecture",
        "home",
        "whole",
        "entire",
        "same",
    ]
)
# Capitalised common nouns that make a place name part of a project's or a
# structure's name: "Anju Fang" (a housing project), "Lhasa Garden", "Wuhan Road".
NAMED_THING_HEADS = frozenset(
    [
        "Fang",
        "Garden",
        "Gardens",
        "Project",
        "Projects",
        "Park",
        "Road",
        "Street",
        "Avenue",
        "Square",
        "Community",
        "Estate",
        "Plaza",
        "Building",
        "Hotel",
        "Bridge",
        "Station",
        "Mansion",
        "Apartment",
        "Apartments",
        "Residence",
        "Airport",
        "Lake",
        "Mountain",
        "Mountains",
    ]
)
VILLAGE_RE = re.compile(r"\b((?:[A-Z][a-z]+\s){1,2}?)(Village|Town|Township)\b")
HOME_RE = re.compile(r"\b(?:our|this)\s+(city|province|municipality|region|prefecture)\b", re.I)
# "Haishu District of Ningbo City in east China's Zhejiang Province": a parent named
# after its child, possibly with a compass locator, only says where the child is.
_GAP_QUALIFIER_RE = re.compile(
    r"^(?:\s*|\s*,\s*|\s+of\s+|['’]s\s+|\s+in\s+|\s+listed\s+in\s+|"
    # "A and B counties in C": a plural suffix, then the parent of both.
    r"\s+(?:counties|districts|cities|prefectures)\s+(?:in|of)\s+(?:the\s+)?|"
    r"(?:\s*,|\s+in|\s+of)\s+(?:the\s+)?(?:north|south|east|west|central)[a-z-]*\s+China['’]s\s+)$",
    re.I,
)


@dataclass(frozen=True)
class Mention:
    """A named place or body in a sentence (offsets relative to the sentence)."""

    start: int
    end: int
    name: str
    kind: str  # region | village | org | team | home
    candidates: tuple[Region, ...] = ()
    suffix: str | None = None
    code: str | None = None
    qualifiers: tuple[str, ...] = field(default=())  # codes of parents named with it
    team_place: Mention | None = None
    display: str = ""  # the name as a fact reports it ("Hotan area" -> "Hotan")

    @property
    def label(self) -> str:
        return self.display or self.name

    @property
    def is_place(self) -> bool:
        return self.kind in ("region", "village", "home")

    @property
    def region(self) -> Region | None:
        return load_gazetteer().get(self.code)


@functools.cache
def _province_variants() -> dict[str, str]:
    """Misspellings of province names by one adjacent transposition ("Gaunsu")."""
    gaz = load_gazetteer()
    out: dict[str, str] = {}
    for key, regions in gaz.by_key.items():
        if len(key) < 6 or " " in key or not any(r.level == "province" for r in regions):
            continue
        for i in range(1, len(key) - 1):
            variant = key[:i] + key[i + 1] + key[i] + key[i + 2 :]
            if variant != key and variant not in gaz.by_key:
                out[variant] = key
    return out


@functools.cache
def _multiword_starts() -> frozenset[str]:
    return frozenset(k.split(" ")[0] for k in load_gazetteer().by_key if " " in k)


def _lookup(gaz: Gazetteer, words: list[tuple[int, int, str]], i: int) -> tuple[int, str] | None:
    """Longest gazetteer key starting at word ``i``: (number of words, key)."""
    longest = gaz.max_key_words if fold(words[i][2]) in _multiword_starts() else 1
    for n in range(min(longest, len(words) - i), 0, -1):
        key = fold(" ".join(w[2] for w in words[i : i + n]))
        if key in gaz.by_key:
            return n, key
    key = fold(words[i][2])
    fixed = _province_variants().get(key)
    return (1, fixed) if fixed else None


def _bare(word: str) -> str:
    word = word.lower()
    return word[:-2] if word.endswith(("'s", "’s")) else word.rstrip("'’")


def _suffix_after(words: list[tuple[int, int, str]], j: int) -> tuple[int, str | None]:
    """Index of the last suffix word after word ``j`` and the suffix kind."""
    k = j + 1
    # "Honghe Hani and Yi Autonomous Prefecture": ethnic words, possibly joined by "and".
    while k < len(words) and (
        words[k][2].lower() in ETHNIC_WORDS
        or (
            words[k][2] == "and"
            and k > j + 1
            and k + 1 < len(words)
            and words[k + 1][2].lower() in ETHNIC_WORDS
        )
    ):
        k += 1
    if k < len(words) and words[k][2].lower() == "autonomous":
        k += 1
    elif k != j + 1:
        return j, None  # ethnic words not followed by "Autonomous": not a suffix
    if k < len(words):
        word = _bare(words[k][2])
        if word == "new" and k + 1 < len(words) and words[k + 1][2].lower() == "area":
            return k + 1, "area"
        if word in SUFFIX_WORDS:
            return k, word
    if k > j + 1:  # "... Autonomous" alone
        return k - 1, "prefecture"
    return j, None


def _is_single_syllable(regions: tuple[Region, ...]) -> bool:
    return all(len(r.base_en) <= 4 or r.base_en.count("'") for r in regions) and all(
        len(_zh_base(r)) <= 1 for r in regions
    )


@functools.lru_cache(maxsize=8192)
def _zh_base(region: Region) -> str:
    from ingestion.gazetteer.romanize import split_name

    return split_name(region.name_zh).base_zh


def _words(sentence: str) -> list[tuple[int, int, str]]:
    """Words with a possessive "'s" cut off ("Qingdao's" -> "Qingdao")."""
    out = []
    for m in _WORD_RE.finditer(sentence):
        word, end = m.group(), m.end()
        if len(word) > 3 and word.endswith(("'s", "’s")):
            word, end = word[:-2], end - 2
        out.append((m.start(), end, word))
    return out


_CAPITALISED_RE = re.compile(r"[A-Z](?<!\w[A-Z])[A-Za-z'’-]*")  # "\b[A-Z]...", see above


@functools.cache
def _first_words() -> frozenset[str]:
    """Folded first words of every gazetteer key and misspelling: the only words worth a look-up."""
    gaz = load_gazetteer()
    firsts = {fold(k.split(" ")[0]) for k in gaz.by_key}
    return frozenset(firsts | set(_province_variants()))


def _may_name_place(sentence: str) -> bool:
    """Cheap pre-check: some capitalised word starts a gazetteer name."""
    firsts = _first_words()
    for m in _CAPITALISED_RE.finditer(sentence):
        word = m.group()
        if word.endswith(("'s", "’s")):
            word = word[:-2]
        # "Jian-ge" is one name, "Fujian-Ningxia" two: try the whole and its head.
        if fold(word) in firsts or fold(word.split("-")[0]) in firsts:
            return True
        key = fold(word)
        if any(key.endswith(t) and key[: -len(t)] in firsts for t, _ in _FUSED_SUFFIXES):
            return True
    return False


def find_region_mentions(sentence: str, gaz: Gazetteer) -> list[Mention]:
    if not _may_name_place(sentence):
        return []
    words = _words(sentence)
    firsts = _first_words()
    out: list[Mention] = []
    i = 0
    while i < len(words):
        word = words[i][2]
        if not word[:1].isupper():
            i += 1
            continue
        # Words are folded one by one (fold keeps word boundaries), so a name can only
        # start at a word that is some key's first word, and a fused suffix ("Weixian")
        # only at a word ending in one: most capitalised words ("Editor", "Updated")
        # are neither and need no look-up.
        folded = fold(word)
        if folded not in firsts and not folded.endswith(_FUSED_TAILS):
            i += 1
            continue
        hit = _lookup(gaz, words, i)
        fused = None if hit else _fused_suffix(gaz, word)
        if fused:
            found = fused
            start, end = words[i][0], words[i][1]
            name = sentence[start:end]
            out.append(Mention(start, end, name, "region", found, None, display=name))
            i += 1
            continue
        if not hit:
            i += 1
            continue
        n, key = hit
        j = i + n - 1
        last, suffix = _suffix_after(words, j)
        found = gaz.by_key[key]
        if suffix:
            found = gaz.candidates(key, suffix)
            if _is_single_syllable(gaz.by_key[key]):
                # "Yi District" is no division: short names need the exact suffix.
                found = tuple(r for r in found if r.name_zh.endswith(SUFFIX_ZH[suffix]))
        if not found or _rejected(words, i, key, suffix, gaz.by_key[key]):
            i += 1
            continue
        start, end = words[i][0], words[last][1]
        name = sentence[start:end].rstrip("'’-")
        if name.endswith(("'s", "’s")):
            name = name[:-2]
        proper = sentence[start : words[j][1]].rstrip("'’-")
        if proper.endswith(("'s", "’s")):
            proper = proper[:-2]
        # Lower-case or vague suffixes ("Hotan area", "Xinjiang region") are not part
        # of the name; capitalised admin suffixes are ("Litang County").
        suffix_word = sentence[words[last][0] : words[last][1]] if suffix else ""
        display = name if suffix_word[:1].isupper() and suffix not in ("area",) else proper
        if key not in fold(proper):  # a corrected misspelling: report the real name
            display = found[0].base_en
        out.append(
            Mention(start, start + len(name), name, "region", found, suffix, display=display)
        )
        i = last + 1
    return out


# Pinyin of a county-level suffix written into the name: 威县 "Weixian", 芒市 "Mangshi".
_FUSED_SUFFIXES = (("xian", "县"), ("shi", "市"))
_FUSED_TAILS = tuple(tail for tail, _ in _FUSED_SUFFIXES)


def _fused_suffix(gaz: Gazetteer, word: str) -> tuple[Region, ...]:
    """Divisions a word names with its suffix's pinyin fused on ("Weixian")."""
    key = fold(word)
    for tail, zh in _FUSED_SUFFIXES:
        stem = key[: -len(tail)]
        if key.endswith(tail) and len(stem) >= 2 and stem in gaz.by_key:
            found = tuple(r for r in gaz.by_key[stem] if r.name_zh == _zh_base(r) + zh)
            if found:
                return found
    return ()


def _rejected(
    words: list[tuple[int, int, str]],
    i: int,
    key: str,
    suffix: str | None,
    regions: tuple[Region, ...],
) -> bool:
    if suffix:
        return False
    if key in ENGLISH_WORDS or _is_single_syllable(regions):
        return True
    last = i + len(key.split(" ")) - 1
    if last + 1 < len(words) and words[last + 1][2] in NAMED_THING_HEADS:
        return True
    # A given name after a surname ("Zhao Xinhe said"), or a surname before one.
    after_surname = i > 0 and words[i - 1][2].lower() in SURNAMES
    before_name = key in SURNAMES and i + 1 < len(words) and words[i + 1][2][:1].isupper()
    return (after_surname and words[i - 1][1] + 1 == words[i][0]) or before_name


def find_village_mentions(sentence: str, taken: list[tuple[int, int]]) -> list[Mention]:
    out = []
    for m in VILLAGE_RE.finditer(sentence):
        if any(s <= m.start() < e for s, e in taken):
            continue
        first = m.group(1).split()[0].lower()
        if first in ("the", "a", "each", "every", "this", "that"):
            continue
        start = m.start()
        if first in _SENTENCE_PREPOSITIONS:
            # "In Minning Town": a capitalised preposition is no part of the name.
            if len(m.group(1).split()) < 2:
                continue
            start += len(m.group(1).split()[0]) + 1
        out.append(Mention(start, m.end(), sentence[start : m.end()].strip(), "village"))
    return out


_SENTENCE_PREPOSITIONS = frozenset(["in", "at", "on", "of", "from", "to", "by", "for", "with"])


# "Qinghai's Lenghu district": after a place's possessive a capitalised name with a
# lower-case suffix is that place's division.
_POSSESSED_UNKNOWN_RE = re.compile(
    r"(?<=['’]s\s)([A-Z][a-z]+(?:['’-][a-z]+)*)\s(county|district|banner|prefecture)\b"
)


def find_unknown_places(sentence: str, taken: list[tuple[int, int]]) -> list[Mention]:
    out = []
    matches = list(UNKNOWN_PLACE_RE.finditer(sentence))
    if "s " in sentence:
        matches += _POSSESSED_UNKNOWN_RE.finditer(sentence)
    for m in matches:
        if m.group(1).lower() in NOT_PLACE_NAMES:
            continue
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        suffix = m.group(2).lower()
        out.append(
            Mention(m.start(), m.end(), m.group(), "region", suffix=suffix, display=m.group())
        )
    return out


# Prefectures whose Chinese names are a province's one-character abbreviation plus a
# direction, and that translators render by the direction: 黔东南 "southeastern
# Guizhou", 黔南 "southern Guizhou", 黔西南 "southwestern Guizhou", 湘西 "western Hunan".
DIRECTIONAL_PREFECTURES: dict[tuple[str, str], str] = {
    ("southeast", "guizhou"): "522600000000",
    ("south", "guizhou"): "522700000000",
    ("southwest", "guizhou"): "522300000000",
    ("west", "hunan"): "433100000000",
}
_DIRECTIONAL_RE = re.compile(
    r"\b((?:south|north)?(?:east|west)?)(?:ern)?\s+(Guizhou|Hunan)\b(?!\s+[Pp]rovince)", re.I
)


def _directional(sentence: str, regions: list[Mention], gaz: Gazetteer) -> list[Mention]:
    """Swap "Guizhou" in "southeastern Guizhou" for the prefecture the phrase names."""
    if "uizhou" not in sentence and "unan" not in sentence:
        return regions
    out = list(regions)
    for m in _DIRECTIONAL_RE.finditer(sentence):
        code = DIRECTIONAL_PREFECTURES.get((m.group(1).lower(), m.group(2).lower()))
        region = gaz.get(code)
        if region is None:
            continue
        out = [r for r in out if not (m.start() <= r.start < m.end())]
        name = m.group()
        out.append(
            Mention(m.start(), m.end(), name, "region", (region,), "prefecture", display=name)
        )
    return sorted(out, key=lambda r: r.start)


# "Yecheng (Kargilik) County": a local name in brackets inside a place's name.
_BRACKETED_ALIAS_RE = re.compile(
    r" \([A-Z][a-z'’-]+\)(?= (?:County|City|Prefecture|District|Township|Town)\b)"
)


def _mask_aliases(sentence: str) -> str:
    """The sentence with bracketed local names blanked (offsets kept), so the name
    around them reads as one."""
    if "(" not in sentence:
        return sentence
    return _BRACKETED_ALIAS_RE.sub(lambda m: " " * len(m.group()), sentence)


def _single_spaced(m: Mention) -> Mention:
    if "  " not in m.name:
        return m
    display = " ".join(m.display.split()) if m.display else m.display
    return replace(m, name=" ".join(m.name.split()), display=display)


def find_mentions(sentence: str, gaz: Gazetteer | None = None) -> list[Mention]:
    """All places and organisations of a sentence, qualifiers merged, in order."""
    shipped = load_gazetteer()
    if gaz is None or gaz is shipped:
        return list(_shipped_mentions(sentence))
    return _find_mentions(sentence, gaz)


# The same sentence is looked up more than once: by the document pass, again by
# attribution and the reference resolver for sentences that pass skipped, and across
# articles for boilerplate (datelines, "Print】【Close", a site's standard lines). The
# result is a pure function of the text and the shipped gazetteer (read once per
# process; the name tables below are cached from it too), and Mentions are frozen: a
# tuple is kept and each caller gets a list of its own.
@text_cache(maxsize=4096)
def _shipped_mentions(sentence: str) -> tuple[Mention, ...]:
    return tuple(_find_mentions(sentence, load_gazetteer()))


def _find_mentions(sentence: str, gaz: Gazetteer) -> list[Mention]:
    orgs = find_organisations(sentence)
    regions = _directional(sentence, find_region_mentions(_mask_aliases(sentence), gaz), gaz)
    regions = [_single_spaced(r) for r in regions]
    mentions: list[Mention] = []
    for org in orgs:
        if _is_given_name(sentence, org.start, org.name):
            continue
        inside = [r for r in regions if org.start <= r.start and r.end <= org.end]
        kind = "team" if org.is_team else "org"
        team_place = _merge_qualifiers(inside)[-1] if (inside and org.is_team) else None
        mentions.append(Mention(org.start, org.end, org.name, kind, team_place=team_place))
    spans = [(o.start, o.end) for o in orgs]
    free = [r for r in regions if not any(s <= r.start < e for s, e in spans)]
    mentions.extend(free)
    taken = spans + [(r.start, r.end) for r in free]
    unknown = find_unknown_places(sentence, taken) if _has_suffix_word(sentence) else []
    unknown.sort(key=lambda m: m.start)
    mentions.extend(unknown)
    taken += [(u.start, u.end) for u in unknown]
    if "Village" in sentence or "Town" in sentence:
        mentions.extend(find_village_mentions(sentence, taken))
    for m in HOME_RE.finditer(sentence):
        mentions.append(Mention(m.start(), m.end(), m.group(), "home", suffix=m.group(1).lower()))
    mentions.sort(key=lambda m: m.start)
    return _province_prefixed(_merge_qualifiers(mentions, sentence), sentence)


# "such as Hubei Padang, Changyang and Zigui": a county named Chinese-style after
# its province, spelt in a pinyin the gazetteer does not know (a mistranslation or
# an old spelling), and listed.
_PREFIXED_RE = re.compile(r"\s([A-Za-z][a-z]{3,})(?=\s*(?:,|;|\.|\band\b|$))")


def _province_prefixed(mentions: list[Mention], sentence: str) -> list[Mention]:
    out = list(mentions)
    for k, m in enumerate(mentions):
        if m.kind != "region" or m.suffix or len(m.candidates) != 1:
            continue
        if m.candidates[0].level != "province":
            continue
        nxt = _PREFIXED_RE.match(sentence, m.end)
        if nxt is None or (k + 1 < len(mentions) and mentions[k + 1].start < nxt.end()):
            continue
        word = nxt.group(1)
        if fold(word) in load_gazetteer().by_key or not _pinyin_name(word):
            continue
        name = word[0].upper() + word[1:]
        out[k] = Mention(
            m.start, nxt.end(), name, "region", display=name, qualifiers=(m.candidates[0].code,)
        )
    return out


def _pinyin_name(word: str) -> bool:
    return is_pinyin_name(word)


_PREV_WORD_RE = re.compile(r"([A-Z][a-z]+)\s$")


def _is_given_name(sentence: str, start: int, name: str) -> bool:
    """A one-word name right after a surname is a person's ("Wang Dongfeng")."""
    if " " in name.strip():
        return False
    prev = _PREV_WORD_RE.search(sentence, max(0, start - 12), start)
    return bool(prev and prev.group(1).lower() in SURNAMES)


def _related(a: Mention, b: Mention) -> bool:
    """Whether some candidate of ``b`` lies within some candidate of ``a``."""
    return any(rb.is_within(ra.code) for ra in a.candidates for rb in b.candidates)


def _merge_qualifiers(mentions: list[Mention], sentence: str | None = None) -> list[Mention]:
    out: list[Mention] = []
    for m in mentions:
        if out and sentence is not None:
            prev = out[-1]
            gap = sentence[prev.end : m.start]
            if _GAP_QUALIFIER_RE.match(gap):
                merged = _merge_pair(prev, m, gap)
                if merged:
                    out[-1] = merged
                    continue
        out.append(m)
    return out


def _narrow(child: Mention, parent: Mention) -> Mention:
    parents = {r.code for r in parent.candidates}
    inside = tuple(r for r in child.candidates if any(r.is_within(p) for p in parents))
    quals = tuple(r.code for r in parent.candidates)
    # The merged mention spans both names, so what follows "Aksu in Xinjiang, "
    # is still seen as the next item of an enumeration.
    return replace(
        child,
        start=min(child.start, parent.start),
        end=max(child.end, parent.end),
        candidates=inside or child.candidates,
        qualifiers=child.qualifiers + quals,
    )


def _has_suffix_word(sentence: str) -> bool:
    return any(
        w in sentence
        for w in (
            " County",
            " District",
            " Banner",
            " Prefecture",
            " League",
            " county",
            " district",
        )
    )


def _merge_pair(prev: Mention, cur: Mention, gap: str = "") -> Mention | None:
    if prev.kind == "region" and cur.kind == "region" and not (prev.candidates and cur.candidates):
        return _merge_unknown(prev, cur, gap)
    if prev.kind == "region" and cur.kind == "region":
        if _related(prev, cur):  # "Chengdu Wuhou District": prev is the parent
            return _narrow(cur, prev)
        if _related(cur, prev):  # "Wuhou District of Chengdu": cur is the parent
            return _narrow(prev, cur)
    if prev.kind == "village" and cur.kind == "region":
        # "X Village in Y County": the resolvable county stands for the pair.
        return replace(cur, start=prev.start)
    return None


def _merge_unknown(prev: Mention, cur: Mention, gap: str) -> Mention | None:
    """A name the gazetteer does not know, next to one it does.

    "Tanchang County in Longnan" and "Chengdu's Pidu District": the unknown
    suffixed name is the child, the known one only says where it is.
    """
    if not prev.candidates and cur.candidates and gap.strip(" ,") in ("in", "of", ""):
        child, parent = prev, cur
    elif prev.candidates and not cur.candidates and gap in ("'s ", "’s ", " "):
        child, parent = cur, prev
    else:
        return None
    quals = tuple(r.code for r in parent.candidates)
    return replace(
        child,
        start=min(child.start, parent.start),
        end=max(child.end, parent.end),
        qualifiers=child.qualifiers + quals,
    )
