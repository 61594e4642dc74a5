"""Pairing phrasings, round 2: lower-case pages, parties named by reference or by
acronym, organisations of every shape, helped-first phrasings, the direction the
programmes run, and project names that only look like places."""

from __future__ import annotations

import pytest

from ingestion.extract import extract_facts
from ingestion.extract.casing import is_lowercased_page, pinyin_syllable_count, recase
from ingestion.extract.coref import defined_acronyms
from ingestion.extract.pipeline import name_key
from ingestion.extract.regions import find_mentions


def facts(text: str) -> list:
    return [f for f in extract_facts("t", text) if f.type == "pairing"]


def pairs(text: str) -> set[tuple[str, str]]:
    return {(name_key(f.helper), name_key(f.helped)) for f in facts(text)}


# --- lower-case pages -------------------------------------------------------------

LOWER_PAGE = (
    "sichuan energy news: the provincial meeting was held in chengdu on may 3. "
    "in 2019, the hengshan river company took over the targeted assistance work in "
    "meigu county, and built a greenhouse park in luoxue village. "
    "the tea garden in zhaojue county supported by the hengshan river company has 300 mu."
)


def test_lowercase_page_is_detected_and_normal_page_is_not() -> None:
    assert is_lowercased_page(LOWER_PAGE)
    assert not is_lowercased_page(
        "Chengdu helps Meigu County. Zhaojue County and Butuo County receive aid from Mianyang."
    )


def test_recase_keeps_offsets_and_capitalises_only_names() -> None:
    text = "the leading group and the line village helped meigu county and luoxue village"
    out = recase(text)
    assert len(out) == len(text)
    assert "Meigu county" in out and "Luoxue Village" in out
    # English words that spell as pinyin stay as they are.
    assert "leading group" in out and "line village" in out


def test_pinyin_needs_consonant_after_the_first_syllable() -> None:
    assert pinyin_syllable_count("hongjunshu") == 3
    assert pinyin_syllable_count("leading") == 0  # le-a-ding would need an apostrophe


def test_lowercase_page_gives_company_pairings() -> None:
    assert pairs(LOWER_PAGE) >= {("hengshan river", "meigu"), ("hengshan river", "zhaojue")}


def test_lowercase_page_evidence_is_the_original_text() -> None:
    fact = facts(LOWER_PAGE)[0]
    assert fact.evidence.sentence == LOWER_PAGE[fact.evidence.start_char : fact.evidence.end_char]
    assert fact.evidence.sentence.islower() or "2019" in fact.evidence.sentence


# --- references -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # "the company" after the company was named, in a sentence without cue words
            "Wanda Group opened a hotel in Beijing last week. The company will help Danzhai "
            "County shake off poverty by 2020.",
            {("wanda", "danzhai")},
        ),
        (  # "the group" two sentences later
            "Sichuan Energy Investment Group signed a deal. Its chairman spoke to reporters. "
            "The group has provided targeted assistance to Meigu County since 2016.",
            {("sichuan energy investment", "meigu")},
        ),
        (  # the helped by reference: "the county"
            "Zhaojue County lies in the Daliang Mountains. Fucheng District has sent 40 "
            "cadres and 12 million yuan to help the county.",
            {("fucheng", "zhaojue")},
        ),
        (  # an acronym the article defined
            "The China Three Gorges Corporation (CTG) held its annual meeting. CTG has "
            "offered paired assistance to Yunyang County since 2015.",
            {("ctg", "yunyang")},  # named by the article's short name
        ),
    ],
)
def test_references(text: str, expected: set[tuple[str, str]]) -> None:
    assert pairs(text) == expected


def test_reference_evidence_spans_both_sentences() -> None:
    text = (
        "Wanda Group opened a hotel in Beijing last week. The company will help Danzhai "
        "County shake off poverty by 2020."
    )
    (fact,) = facts(text)
    assert fact.evidence.start_char == 0
    assert fact.evidence.sentence.startswith("Wanda Group") and "Danzhai" in fact.evidence.sentence


def test_a_complement_is_no_reference() -> None:
    # "the bottom of the province" names no party: the bureau still helps the county.
    text = (
        "Sichuan is large. Chengdu Bureau of Commerce took the lead of the province in "
        "helping Meigu County."
    )
    assert ("chengdu bureau commerce", "meigu") in pairs(text)


def test_no_referent_no_pairing() -> None:
    assert pairs("The company invested 2 billion yuan to help the county fight poverty.") == set()


def test_acronym_definitions() -> None:
    text = (
        "The State-owned Assets Supervision and Administration Commission of the State "
        "Council (SASAC) met. The All-China Federation of Industry and Commerce (ACFIC) too."
    )
    found = defined_acronyms(text)
    assert found["SASAC"].startswith("State-owned Assets Supervision and Administration")
    assert found["ACFIC"] == "All-China Federation of Industry and Commerce"


def test_acronym_and_full_name_are_one_helper() -> None:
    text = (
        "China National Offshore Oil Corporation (CNOOC) has helped Ledong County since 2002. "
        "CNOOC helps Ledong County build roads."
    )
    assert len(facts(text)) == 1


# --- organisations of every shape -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The All-China Federation of Industry and Commerce organised private firms to help "
            "Nayong County.",
            {("allchina federation industry and commerce", "nayong")},
        ),
        (
            "The Provincial Chamber of Commerce pledged assistance to Hezhang County.",
            {("provincial chamber commerce", "hezhang")},
        ),
        (
            "Bank of Communications has been responsible for the designated support tasks of "
            "four counties, such as Yongshou, Chunhua, Changwu and Xunyi.",
            {
                ("bank communications", "yongshou"),
                ("bank communications", "chunhua"),
                ("bank communications", "changwu"),
                ("bank communications", "xunyi"),
            },
        ),
    ],
)
def test_organisations(text: str, expected: set[tuple[str, str]]) -> None:
    assert pairs(text) == expected


# --- helped first, lists, money ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # possessive partner: the helped first
            "Dingxi's partner city Fuzhou has sent 30 cadres this year.",
            {("fuzhou", "dingxi")},
        ),
        (  # a set-off clause about a whole list
            "Pingxiang and Weixian counties in Hebei province, two counties receiving aid from "
            "China Poly Group, built new schools.",
            {("china poly", "pingxiang"), ("china poly", "weixian")},
        ),
        (  # "built with assistance of": only the nearest place
            "Visitors saw Wuli Village, and Shexiang Old Town built with assistance of the "
            "Hengda Group.",
            {("hengda", "shexiang old")},
        ),
        (  # money in poverty projects, a place and its district
            "Guangzhou and its Baiyun District have put 330 million yuan into poverty "
            "alleviation projects in Dabu County.",
            {("guangzhou", "dabu"), ("baiyun", "dabu")},
        ),
    ],
)
def test_helped_first_and_lists(text: str, expected: set[tuple[str, str]]) -> None:
    assert pairs(text) == expected


def test_money_without_assistance_words_is_no_pairing() -> None:
    assert pairs("Guangzhou has invested 3 billion yuan in a new port in Zhanjiang.") == set()


def test_programmes_run_east_to_west() -> None:
    # Read literally "Tianyang helps Luohu"; the gazetteer says Guangdong gives to Guangxi.
    text = "Tianyang County has paired with Luohu District for east-west cooperation."
    assert pairs(text) == {("luohu", "tianyang")}


# --- what is not a place ------------------------------------------------------------------


def test_place_glued_to_a_project_noun_is_no_place() -> None:
    names = [m.name for m in find_mentions("Ningbo supports the Anju Fang housing in Kuqa.")]
    assert "Anju" not in names
    assert pairs("Ningbo supports the Anju Fang housing project.") == set()


# --- companies' clauses -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # an appositive between the company and its verb
            "China Huadian Corp, one of the five biggest power producers in the country, has "
            "worked to reduce poverty in Ganzi Prefecture and Aba Prefecture.",
            {("china huadian corp", "ganzi"), ("china huadian corp", "aba")},
        ),
        (  # "provide B with assistance", the subject opening the sentence
            "China Datang Corp has offered support to Tianzhu County since 2003 and began to "
            "provide Gansu's Huining County with industrial assistance in 2012.",
            {("china datang corp", "tianzhu"), ("china datang corp", "huining")},
        ),
        (  # donated to
            "Sichuan Airlines Group donated 3 million yuan to Butuo County last year.",
            {("sichuan airlines", "butuo")},
        ),
    ],
)
def test_company_clauses(text: str, expected: set[tuple[str, str]]) -> None:
    assert pairs(text) == expected


def test_owners_of_the_givers_are_no_helpers() -> None:
    # The enterprises give; "Hubei" only says whose enterprises they are.
    assert pairs("Hubei enterprises donated 5 million yuan of goods to Nedong District.") == set()


def test_possessed_division_with_lower_case_suffix() -> None:
    (m,) = [m for m in find_mentions("It helped Qinghai's Mangya district.") if m.kind == "region"]
    assert m.display == "Mangya district" and m.qualifiers == ("630000000000",)


def test_a_dateline_is_no_part_of_a_name() -> None:
    text = "BEIJING, March 9 -- China Petrochemical Corporation has helped Yuexi County."
    assert pairs(text) == {("china petrochemical", "yuexi")}


def test_a_body_is_named_by_its_short_name_when_the_article_uses_it() -> None:
    text = (
        "China Petrochemical Corporation has helped Yuexi County since 2002. Sinopec also "
        "built roads there."
    )
    assert [f.helper for f in facts(text)] == ["Sinopec"]


def test_counted_list_with_province_prefixed_names() -> None:
    # "Hubei Padong": a county the gazetteer does not spell so, after its province;
    # "Qinghai" before an unreadable name is no county of the five.
    text = (
        "Since 1998, China Eastern Group has been responsible for the designated support tasks "
        "of five counties, such as Hubei Padong, Changyang, Zigui, Shennongjia and Qinghai Mtrdx."
    )
    assert pairs(text) == {
        ("china eastern", "padong"),
        ("china eastern", "changyang"),
        ("china eastern", "zigui"),
        ("china eastern", "shennongjia"),
    }


def test_a_province_before_an_english_word_is_just_the_province() -> None:
    names = [m.display for m in find_mentions("The Hubei Daily, Hunan and Hebei reported it.")]
    assert "Daily" not in names


# --- roundups, possessives and hyphenated helpers ------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # a roundup's colon list
            "Counterpart support in brief: Hebei: Zhongba County; Shaanxi: Ngari and Gar County.",
            {("hebei", "zhongba"), ("shaanxi", "ngari"), ("shaanxi", "gar")},
        ),
        (  # a list of couples ending in ", and"
            "The east-west pairs are Qingdao and Anshun, Dalian and Liupanshui, and Ningbo and "
            "Qianxinan.",
            {("qingdao", "anshun"), ("dalian", "liupanshui"), ("ningbo", "qianxinan")},
        ),
        (
            "Assistance from Tianjin to Gansu reached 5 billion yuan last year.",
            {("tianjin", "gansu")},
        ),
        (  # a body's designated place by the possessive
            "Renmin University's designated county Nanjian has built a school.",
            {("renmin university", "nanjian")},
        ),
        (  # ... and as an appositive, the helped first
            "Nanjian County, Renmin University's designated assistance county, built a school.",
            {("renmin university", "nanjian")},
        ),
        (
            "Shanghai's aid projects in Wenshan have created 3,000 jobs.",
            {("shanghai", "wenshan")},
        ),
        (  # a hyphenated participle
            "The Changzhou-aided Nagarze County has built 300 houses.",
            {("changzhou", "nagarze")},
        ),
        (  # a hyphenated pair before an assistance noun
            "The Beijing-Chengde consumption assistance program sold 1 billion yuan of goods.",
            {("beijing", "chengde")},
        ),
    ],
)
def test_roundups_and_possessives(text: str, expected: set[tuple[str, str]]) -> None:
    assert pairs(text) == expected


def test_one_colon_item_is_no_roundup() -> None:
    assert pairs("Our reporter in Hebei: Zhongba County is cold.") == set()


def test_possessive_organisation_names() -> None:
    from ingestion.gazetteer.organisations import find_organisations

    (org,) = find_organisations("Tsinghua University's team arrived.")
    assert org.name == "Tsinghua University"


# --- tables, lists and "it" ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # a header that names levels only: the gazetteer says who gives
            "Aid roster\n\nProvince\tPaired prefecture\tFunds\nJiangsu\tYili\t300\n"
            "Shanghai\tKashgar\t500\n",
            {("jiangsu", "yili"), ("shanghai", "kashgar")},
        ),
        (  # bullets under a heading about pairs
            "East-west pairs (2021)\n- Qingdao: Anshun\n- Dalian: Liupanshui\n",
            {("qingdao", "anshun"), ("dalian", "liupanshui")},
        ),
        (
            "Paired assistance list\n1. Ningbo and Qianxinan\n2. Dalian and Liupanshui\n",
            {("ningbo", "qianxinan"), ("dalian", "liupanshui")},
        ),
        (  # "It" opening a sentence: the previous sentence's subject
            "Hangzhou has strengthened its aid work. It helps Qiandongnan and Enshi.",
            {("hangzhou", "qiandongnan"), ("hangzhou", "enshi")},
        ),
    ],
)
def test_tables_lists_and_it(text: str, expected: set[tuple[str, str]]) -> None:
    assert pairs(text) == expected


def test_table_fund_payer_follows_the_giving_side() -> None:
    text = "Aid roster\n\nProvince\tPaired prefecture\tFunds (10,000 yuan)\nJiangsu\tYili\t300\n"
    funds = [f for f in extract_facts("t", text) if f.type == "fund"]
    assert [(f.payer, f.region) for f in funds] == [("Jiangsu", "Yili")]


def test_bullets_without_a_pairing_heading_are_no_pairs() -> None:
    assert pairs("Weather today\n- Qingdao: Anshun\n- Dalian: Liupanshui\n") == set()


def test_it_needs_a_subject_opening_the_previous_sentence() -> None:
    text = "Last year, reporters visited Hangzhou. It helps Qiandongnan and Enshi."
    assert pairs(text) == set()


def test_a_company_named_again_by_its_short_form() -> None:
    text = (
        "Hengda Group signed a poverty alleviation deal with Guizhou in 2015. Hengda has "
        "since helped Dafang County build 50 villages. Hengda Group helps Dafang County."
    )
    assert [(f.helper, f.helped) for f in facts(text)] == [
        ("Hengda Group", "Guizhou"),
        ("Hengda Group", "Dafang County"),
    ]


def test_a_short_form_that_is_a_place_stays_the_place() -> None:
    text = "Tianjin Food Group opened 20 shops for poverty alleviation. Tianjin helps Chengde."
    assert ("tianjin", "chengde") in pairs(text)


def test_all_capitals_page() -> None:
    text = (
        "CHINA UNICOM HELPS TWO COUNTIES FIGHT POVERTY\n\nBEIJING, MAY 9 -- CHINA UNICOM HAS "
        "PROVIDED TARGETED ASSISTANCE TO YUEXI COUNTY AND YINGSHANG COUNTY IN ANHUI PROVINCE "
        "SINCE 2002. THE COMPANY HAS INVESTED 300 MILLION YUAN IN THE TWO COUNTIES."
    )
    assert pairs(text) == {("china unicom", "yuexi"), ("china unicom", "yingshang")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # a list of helpers that opens the sentence
            "Guangdong and Fujian aid Nyingchi under the counterpart program.",
            {("guangdong", "nyingchi"), ("fujian", "nyingchi")},
        ),
        (  # a fronted place phrase is no helper
            "Besides Shanghai, Jiangsu and Zhejiang help Xinjiang's Aksu.",
            {("jiangsu", "aksu"), ("zhejiang", "aksu")},
        ),
        (  # a university's own words about where it assists
            "Peking University carried out fixed-point poverty alleviation in Tongren's Songtao "
            "County.",
            {("peking university", "songtao")},
        ),
        (  # a company's programmes "within" a prefecture
            "Hengda Group has launched poverty relief programs in seven counties within Bijie "
            "region.",
            {("hengda", "bijie")},
        ),
        (  # "B, A's counterpart": partners both ways, the gazetteer says who gives
            "Hotan, Beijing's counterpart, has received 2 billion yuan.",
            {("beijing", "hotan")},
        ),
    ],
)
def test_subject_lists_institutions_and_partners(text: str, expected: set[tuple[str, str]]) -> None:
    assert pairs(text) == expected


def test_a_list_after_other_names_is_no_subject() -> None:
    text = "Officials from Chengdu met Deyang and Mianyang officials, and Mianyang helps Aba."
    assert ("deyang", "aba") not in pairs(text)


def test_fixed_point_is_targeted_assistance() -> None:
    (fact,) = facts("Peking University has offered fixed-point assistance to Songtao County.")
    assert fact.mechanism == "targeted_assistance"


def test_an_organisation_ending_a_sentence_has_no_full_stop() -> None:
    (fact,) = facts("Since 2015, Bijie has received assistance from Hengda Group.")
    assert fact.helper == "Hengda Group"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Thanks to the support of Shanghai, Kashgar has opened 20 factories.",
            {("shanghai", "kashgar")},
        ),
        (
            "Under the assistance of Tianjin, Chengde has built a new hospital.",
            {("tianjin", "chengde")},
        ),
        ("Supported by Guangzhou, Qiannan has trained 5,000 workers.", {("guangzhou", "qiannan")}),
        ("Hotan has built 300 greenhouses with Beijing's help.", {("beijing", "hotan")}),
        # a fronted place phrase is no subject: the helped is the town, not named here
        ("In Linxia, the town built with Xiamen's help has 300 houses.", set()),
    ],
)
def test_fronted_and_postposed_help(text: str, expected: set[tuple[str, str]]) -> None:
    assert pairs(text) == expected


def test_a_capitalised_preposition_is_no_part_of_a_village_name() -> None:
    names = [m.name for m in find_mentions("In Minning Town the mushroom trade grew.")]
    assert names == ["Minning Town"]


# --- round 3: possessive project lists, ampersand names -------------------------


def test_possessive_aid_projects_with_a_modifier_give_each_listed_place() -> None:
    got = pairs(
        "The commission also listed Tianjin's first aid projects in Kashgar Prefecture "
        "and Alaer county."
    )
    assert ("tianjin", name_key("Kashgar Prefecture")) in got
    assert ("tianjin", name_key("Alaer county")) in got


def test_singular_designated_county_names_one_place_only() -> None:
    text = "Fudan University's designated county Yongping and Dali were visited in May."
    found = {(p.helper.name, p.helped.name) for p in _pairings(text)}
    assert ("Fudan University", "Yongping") in found
    assert ("Fudan University", "Dali") not in found


def test_ampersand_joins_one_organisation_name() -> None:
    names = [
        m.name for m in find_mentions("China Metals & Minerals Corporation helps Zeku County.")
    ]
    assert "China Metals & Minerals Corporation" in names


def _pairings(text: str) -> list:
    from ingestion.extract.pairings import find_pairings

    return find_pairings(text, find_mentions(text))


def test_helping_their_counterparts_takes_the_earlier_giving_city() -> None:
    got = pairs(
        "In 2016 Tianjin signed two agreements with Gansu. Regional cooperation for the "
        "region, focused on helping their counterparts in Qingyang and Tianshui cities."
    )
    assert ("tianjin", "qingyang") in got
    assert ("tianjin", "tianshui") in got


def test_counterparts_met_or_thanked_are_peers_not_pairings() -> None:
    assert not pairs("Tianjin hosted the forum. The mayor met his counterparts in Tianshui.")
    assert not pairs(
        "Tianjin hosted the forum. Gansu officials thanked their counterparts in Tianjin."
    )


def test_possessive_place_named_aid_gives_the_place() -> None:
    assert pairs("Hangzhou's Qiandongnan-assistance projects were praised.") == {
        ("hangzhou", "qiandongnan")
    }
    assert not pairs("Hangzhou's Qiandongnan projects were praised for their help.")


def test_fronted_phrase_then_provide_b_with_assistance() -> None:
    found = {
        (name_key(f.helper), name_key(f.helped)): f.year
        for f in facts(
            "With an aid fund of 300 million yuan, Sinopec has offered support to Zeku "
            "county in Qinghai since 2003 and began to provide Gansu’s Linxia county with "
            "partnership assistance in 2011."
        )
    }
    assert found.get(("sinopec", "zeku")) == 2003
    assert found.get(("sinopec", "linxia")) == 2011


def test_one_sentence_two_helped_places_two_years() -> None:
    found = {
        name_key(f.helped): f.year
        for f in facts("In 2015 Hangzhou helped Enshi, and in 2018 it helped Qiandongnan too.")
        if name_key(f.helper) == "hangzhou"
    }
    assert found["enshi"] == 2015
    assert found.get("qiandongnan", 2018) == 2018


def test_tibetan_county_names_of_qinghai_are_known() -> None:
    got = pairs(
        "Since 1998 Shanghai Electric Group has been responsible for the designated "
        "support tasks of three counties, such as Zadoi, Chindu and Qinghai Madoi."
    )
    assert {("shanghai electric", "zadoi"), ("shanghai electric", "chindu")} <= {
        (h.replace(" group", ""), d) for h, d in got
    }
    assert any(d in ("madoi", "maduo") for _, d in got)


def test_a_list_of_in_phrases_is_one_enumeration() -> None:
    got = pairs(
        "Sinopec carries out targeted assistance in Zeku County of Huangnan in "
        "Qinghai, in Yuexi County and Yingshang County in Anhui, and in Bange County of "
        "Nagqu, Tibet."
    )
    helped = {d for _, d in got}
    assert {"zeku", "yuexi", "yingshang", "bange"} <= helped


def test_in_phrase_list_stops_at_a_clause() -> None:
    got = pairs("Shanghai helps Zunyi in Guizhou, in 2019 and in Dali it opened an office.")
    assert ("shanghai", "dali") not in got


def test_bracketed_local_name_inside_a_county_name() -> None:
    names = [m.name for m in find_mentions("Sinopec aids Yecheng (Kargilik) County.")]
    assert "Yecheng County" in names


def test_responsible_for_places_with_bracketed_local_names() -> None:
    got = pairs(
        "Under the counterpart support division, Guangdong Province is responsible for "
        "Shufu County (Konaxahar) and Jiashi County (Peyzawat), while Shenzhen supports "
        "Kashgar City (Kashi) and Tashkurgan Tajik Autonomous County."
    )
    assert {("guangdong", "shufu"), ("guangdong", "jiashi")} <= got
    assert ("shenzhen", name_key("Tashkurgan Tajik Autonomous County")) in got


def test_bracketed_alias_does_not_carry_a_list_into_the_next_clause() -> None:
    got = pairs(
        "Wuhan City counterpart support Nedong District (Naidong), Yichang City "
        "counterpart support Qonggyai County."
    )
    assert ("wuhan", "yichang") not in got
