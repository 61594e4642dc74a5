"""Pages whose names are written in lower case, re-cased for the name finders.

Mention finding keys on capitals ("Puge County", "Dadu River Company"). Some
pages (machine translations, scraped mirrors) print every name in lower case:
"puge county supported by dadu river company". On such a page each sentence is
re-cased before its names are looked up: a character keeps its offset, only
its case changes, so evidence spans stay those of the original text.

A word is capitalised only where the gazetteer or the organisation list knows
it and the word cannot be an everyday English word in that position:
- a gazetteer name before an administrative suffix ("puge county"), or a
  gazetteer name of five letters or more ("hubei", "changyang");
- a curated organisation name ("state grid") and a company head after it;
- a pinyin name of two syllables or more before a company head ("dadu river
  company") or before "village"/"town" ("hongjunshu village").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from ingestion.gazetteer import fold, load_gazetteer
from ingestion.gazetteer.organisations import NOT_NAME, curated_names

# Pinyin names that are also everyday English words in these texts.
ENGLISH_WORDS = frozenset(["china", "long", "bo", "dan", "gate", "lu", "han", "yuan"])

_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’]*")
_LOWER_LONG_RE = re.compile(r"\b[a-z]{5,}\b")
_UPPER_LONG_RE = re.compile(r"\b[A-Z][a-z]{4,}\b")
# Gazetteer names that are also English words a lower-case page uses as words.
_ENGLISH_KEYS = ENGLISH_WORDS | {"guide", "boxing", "inner", "mile", "lean", "dean"}
_SUFFIXES = frozenset(
    [
        "county",
        "counties",
        "district",
        "city",
        "prefecture",
        "province",
        "region",
        "autonomous",
        "banner",
        "league",
    ]
)
_VILLAGE_WORDS = frozenset(["village", "town", "township"])
_COMPANY_HEADS = frozenset(["company", "group", "corporation", "corp", "bank", "co"])
_VOWELS = "aeiouv"


_SAMPLE = 6000  # chars of a page its case is judged on: a page keeps one style
_UPPER_WORD_RE = re.compile(r"\b[A-Z]{4,}\b")
_LOWER_WORD_RE = re.compile(r"\b[a-z]{4,}\b")


def is_uppercased_page(text: str) -> bool:
    """Whether the page is written in capitals throughout ("SINOPEC HELPS YUEXI")."""
    head = text[:_SAMPLE]
    upper = set(_UPPER_WORD_RE.findall(head))
    return len(upper) >= 10 and len(upper) > 2 * len(set(_LOWER_WORD_RE.findall(head)))


def rule_text(text: str, mode: str | None) -> str:
    """The text as the name rules read it: re-cased on a lower- or upper-case page.

    Lower-casing keeps every offset only for text whose characters lower-case one
    to one; an upper-case page of other characters is read as it is.
    """
    if mode == "upper":
        lowered = text.lower()
        return recase(lowered) if len(lowered) == len(text) else text
    return recase(text) if mode == "lower" else text


def page_case(text: str) -> str | None:
    """ "lower" or "upper" for a page that does not capitalise names only, else None."""
    if is_lowercased_page(text):
        return "lower"
    return "upper" if is_uppercased_page(text) else None


def is_lowercased_page(text: str) -> bool:
    """Whether the page writes place names in lower case more often than capitalised.

    Counted over the distinct words of five letters or more that the gazetteer
    knows: sentence-initial capitals alone cannot make a lower-case page look
    normal. (Set operations keep this off the per-word Python path.)
    """
    keys = _long_keys()
    text = text[:_SAMPLE]
    lower = set(_LOWER_LONG_RE.findall(text)) & keys
    if len(lower) < 2:
        return False
    upper = {w.lower() for w in set(_UPPER_LONG_RE.findall(text))} & keys
    return len(lower) > len(upper)


@functools.cache
def _long_keys() -> frozenset[str]:
    keys = load_gazetteer().by_key
    return frozenset(k for k in keys if len(k) >= 5 and k.isalpha()) - _ENGLISH_KEYS


# Toneless Mandarin syllables (as pypinyin's dictionary spells them, "v" as "u"),
# written out: loading that dictionary takes half a second.
_SYLLABLES_TEXT = """
a ai an ang ao ba bai ban bang bao bei ben beng bi bian biang biao bie bin bing bo bong
bu ca cai can cang cao ce cei cen ceng cha chai chan chang chao che chen cheng chi chong
chou chu chua chuai chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai
dan dang dao de dei den deng di dia dian diao die din ding diu dong dou du duan dui dun
duo e ei en eng er fa fan fang fei fen feng fiao fo fou fu ga gai gan gang gao ge gei
gen geng gong gou gu gua guai guan guang gui gun guo ha hai han hang hao he hei hen heng
hong hou hu hua huai huan huang hui hun huo ji jia jian jiang jiao jie jin jing jiong
jiu ju juan jue jun ka kai kan kang kao ke kei ken keng kong kou ku kua kuai kuan kuang
kui kun kuo la lai lan lang lao le lei len leng li lia lian liang liao lie lin ling liu
lo long lou lu luan lue lun luo ma mai man mang mao me mei men meng mi mian miao mie min
ming miu mo mou mu na nai nan nang nao ne nei nen neng ni nia nian niang niao nie nin
ning niu nong nou nu nuan nue nun nuo o ou pa pai pan pang pao pei pen peng pi pian piao
pie pin ping po pou pu qi qia qian qiang qiao qie qin qing qiong qiu qu quan que qun ran
rang rao re ren reng ri rong rou ru rua ruan rui run ruo sa sai san sang sao se sen seng
sha shai shan shang shao she shei shen sheng shi shou shu shua shuai shuan shuang shui
shun shuo si song sou su suan sui sun suo ta tai tan tang tao te tei teng ti tian tiao
tie ting tong tou tu tuan tui tun tuo wa wai wan wang wei wen weng wo wong wu xi xia
xian xiang xiao xie xin xing xiong xiu xu xuan xue xun ya yan yang yao ye yi yin ying yo
yong you yu yuan yue yun za zai zan zang zao ze zei zen zeng zha zhai zhan zhang zhao
zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi zong
zou zu zuan zui zun zuo
"""


@functools.cache
def _syllables() -> frozenset[str]:
    return frozenset(_SYLLABLES_TEXT.split())


@functools.lru_cache(maxsize=4096)
def pinyin_syllable_count(word: str) -> int:
    """Syllables of a word spelt wholly in pinyin, else 0.

    A syllable after the first starts with a consonant: pinyin writes an
    apostrophe before a vowel there, so "leading" (le-a-ding) is not pinyin.
    """
    word = word.lower()
    syllables = _syllables()
    best: list[int] = [0] + [-1] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 6), end):
            if best[start] < 0 or word[start:end] not in syllables:
                continue
            if start > 0 and word[start] in _VOWELS:
                continue
            if best[end] < 0 or best[start] + 1 < best[end]:
                best[end] = best[start] + 1
    return max(best[len(word)], 0)


def is_pinyin_name(word: str) -> bool:
    # A final consonant+e syllable makes English words pinyin ("line", "time", "made");
    # "-ue" and "-ie" endings ("Luoxue", "Baijie") are not English.
    english_end = word.endswith("e") and not word.endswith(("ue", "ie"))
    return pinyin_syllable_count(word) >= 2 and not english_end


@functools.cache
def _curated_lower_re() -> re.Pattern[str]:
    names = sorted(curated_names(), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(n.lower()) for n in names) + r")\b")


@functools.cache
def _curated_by_lower() -> dict[str, str]:
    return {n.lower(): n for n in curated_names()}


def recase(sentence: str) -> str:
    """The sentence with the names of a lower-case page capitalised (same length)."""
    chars = list(sentence)
    words = [(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(sentence)]
    keys = load_gazetteer().by_key

    def cap(k: int) -> None:
        chars[words[k][0]] = chars[words[k][0]].upper()

    for m in _curated_lower_re().finditer(sentence.lower()):
        name = _curated_by_lower()[m.group()]
        chars[m.start() : m.end()] = list(name)
    for k, (_, _, word) in enumerate(words):
        if not word.islower():
            continue
        bare = word[:-2] if word.endswith(("'s", "’s")) else word
        nxt = words[k + 1][2].lower() if k + 1 < len(words) else ""
        key = fold(bare)
        if key in keys and key not in _ENGLISH_KEYS and bare not in NOT_NAME:
            if len(bare) >= 5 or (nxt in _SUFFIXES and len(bare) >= 3):
                cap(k)
        elif nxt in _VILLAGE_WORDS and is_pinyin_name(bare):
            cap(k)
            cap(k + 1)
        if word in _COMPANY_HEADS:
            _recase_company(words, k, chars, cap)
    return "".join(chars)


def _recase_company(
    words: list[tuple[int, int, str]], k: int, chars: list[str], cap: Callable[[int], None]
) -> None:
    """ "dadu river company": the words before a company head, from a pinyin name on."""
    run: list[int] = []
    j = k - 1
    while j >= 0 and len(run) < 3:
        word = words[j][2]
        if word.lower() in NOT_NAME or word.endswith(("'s", "’s")):
            break
        # Only spaces between the words of one name.
        if chars[words[j][1] : words[j + 1][0]] != [" "]:
            break
        run.insert(0, j)
        j -= 1
    named = [i for i in run if chars[words[i][0]].isupper() or is_pinyin_name(words[i][2])]
    if not named:
        return
    for i in run[run.index(named[0]) :]:
        cap(i)
    cap(k)
