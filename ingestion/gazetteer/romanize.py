"""Romanise a Chinese division name: pinyin of the proper part plus an English suffix.

The admin suffix (县, 市, 自治州 ...) and ethnic designations (彝族, 藏族 ...) are split
off *before* converting, so the pinyin covers only the proper name and the suffix is
rendered as an English word. pypinyin picks the wrong reading for a few characters
that are pronounced differently in place names; ``CHAR_READINGS`` fixes the ones that
are regular, the override table (data/overrides.csv) fixes the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

from pypinyin import lazy_pinyin

# Longest first: "自治州" must win over "州", "地区" over "区".
ADMIN_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("特别行政区", "SAR"),
    ("自治县", "Autonomous County"),
    ("自治州", "Autonomous Prefecture"),
    ("自治区", "Autonomous Region"),
    ("自治旗", "Autonomous Banner"),
    ("林区", "Forestry District"),
    ("特区", "Special District"),
    ("新区", "New Area"),
    ("矿区", "Mining District"),
    ("地区", "Prefecture"),
    ("省", "Province"),
    ("市", "City"),
    ("县", "County"),
    ("区", "District"),
    ("州", "Prefecture"),
    ("盟", "League"),
    ("旗", "Banner"),
)

# Ethnic designations in autonomous-unit names, longest first so that "哈萨克族"
# is taken whole rather than leaving a stray character.
ETHNIC_NAMES: tuple[tuple[str, str], ...] = (
    ("哈萨克族", "Kazak"),
    ("哈萨克", "Kazak"),
    ("柯尔克孜", "Kirgiz"),
    ("达斡尔族", "Daur"),
    ("鄂温克族", "Ewenki"),
    ("鄂伦春族", "Oroqen"),
    ("鄂伦春", "Oroqen"),
    ("维吾尔", "Uygur"),
    ("蒙古族", "Mongol"),
    ("蒙古", "Mongol"),
    ("布依族", "Bouyei"),
    ("土家族", "Tujia"),
    ("朝鲜族", "Korean"),
    ("仡佬族", "Gelao"),
    ("毛南族", "Maonan"),
    ("仫佬族", "Mulao"),
    ("拉祜族", "Lahu"),
    ("哈尼族", "Hani"),
    ("傈僳族", "Lisu"),
    ("纳西族", "Naxi"),
    ("独龙族", "Derung"),
    ("景颇族", "Jingpo"),
    ("保安族", "Bonan"),
    ("东乡族", "Dongxiang"),
    ("撒拉族", "Salar"),
    ("裕固族", "Yugur"),
    ("锡伯", "Xibe"),
    ("塔吉克", "Tajik"),
    ("藏族", "Tibetan"),
    ("彝族", "Yi"),
    ("羌族", "Qiang"),
    ("回族", "Hui"),
    ("苗族", "Miao"),
    ("壮族", "Zhuang"),
    ("满族", "Manchu"),
    ("侗族", "Dong"),
    ("瑶族", "Yao"),
    ("白族", "Bai"),
    ("傣族", "Dai"),
    ("黎族", "Li"),
    ("畲族", "She"),
    ("水族", "Shui"),
    ("土族", "Tu"),
    ("佤族", "Va"),
    ("怒族", "Nu"),
    ("各族", "Multi-ethnic"),
)

# Readings that place names use regularly but pypinyin's phrase dictionary misses.
CHAR_READINGS: dict[str, str] = {
    "都": "du",  # 成都, 昌都, 都匀, 丰都: never "dou" in a place name
    "长": "chang",  # 长治, 长宁; the exception 长子 is in the override table
    "重": "chong",
    "厦": "xia",
    "藏": "zang",
    "勒": "le",  # 策勒, 疏勒
    "朝": "chao",  # 朝阳, 朝天
    "什": "shi",  # 什邡
    "涡": "guo",
    "筠": "jun",
    "浚": "xun",
    "牟": "mou",
}

_VOWEL_INITIAL = ("a", "o", "e")


@dataclass(frozen=True)
class SplitName:
    """A Chinese division name cut into its proper part, ethnic part and suffix."""

    base_zh: str
    ethnic_en: tuple[str, ...]
    suffix_en: str


def split_name(name_zh: str) -> SplitName:
    """Cut the admin suffix and any ethnic designations off a Chinese name."""
    rest, suffix_en = name_zh, ""
    for suffix, english in ADMIN_SUFFIXES:
        if rest.endswith(suffix) and len(rest) > len(suffix):
            rest, suffix_en = rest[: -len(suffix)], english
            break
    ethnic: list[str] = []
    if "Autonomous" in suffix_en:
        rest, ethnic = _strip_ethnic(rest)
        if not rest and ethnic:
            # 东乡族自治县: the ethnic name *is* the proper name.
            return SplitName(base_zh="", ethnic_en=(ethnic[0],), suffix_en=suffix_en)
    return SplitName(base_zh=rest, ethnic_en=tuple(ethnic), suffix_en=suffix_en)


def _strip_ethnic(rest: str) -> tuple[str, list[str]]:
    ethnic: list[str] = []
    changed = True
    while changed and rest:
        changed = False
        for zh, english in ETHNIC_NAMES:
            # A one-character remainder means the "ethnic" word is part of the
            # proper name (内蒙古 is not 内 + 蒙古).
            if rest.endswith(zh) and len(rest) - len(zh) != 1:
                rest = rest[: -len(zh)]
                ethnic.insert(0, english)
                changed = True
                break
    return rest, ethnic


def pinyin_word(chinese: str) -> str:
    """Pinyin of a proper name as one capitalised word with syllable apostrophes."""
    syllables = lazy_pinyin(chinese, errors="ignore")
    fixed = [CHAR_READINGS.get(ch, syl) for ch, syl in zip(chinese, syllables, strict=False)]
    fixed.extend(syllables[len(fixed) :])
    out = ""
    for i, syl in enumerate(fixed):
        syl = syl.replace("v", "ü")
        # Pinyin orthography: an apostrophe separates a syllable starting with a/o/e.
        if i and syl.startswith(_VOWEL_INITIAL):
            out += "'"
        out += syl
    return out[:1].upper() + out[1:]


def english_name(base_en: str, split: SplitName) -> str:
    """Join a romanised proper name with its ethnic words and English suffix."""
    parts = [base_en, *split.ethnic_en, split.suffix_en]
    return " ".join(p for p in parts if p)
