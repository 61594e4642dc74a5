"""Kinds of exit phrasing: each sentence is written for this test, not taken from
an article."""

from __future__ import annotations

import pytest

from ingestion.extract.exits import ExitHit, count_value, find_exits
from ingestion.extract.models import ExitFact
from ingestion.extract.numbers import parse_word_number
from ingestion.extract.pipeline import extract_facts


def _hits(sentence: str) -> list[tuple[str, int | None, int | None, int | None]]:
    return [(h.level, h.exited, h.total, h.remaining) for h in find_exits(sentence)]


def _exits(text: str) -> list[ExitFact]:
    return [f for f in extract_facts("t", text) if isinstance(f, ExitFact)]


# --- numbers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("nine", 9),
        ("forty", 40),
        ("forty-two", 42),
        ("seventy one", 71),
        ("a hundred", 100),
        ("two hundred and six", 206),
        ("ninety", 90),
    ],
)
def test_number_words(words: str, value: int) -> None:
    assert parse_word_number(words) == value


def test_number_words_reject_other_words() -> None:
    assert parse_word_number("several") is None
    assert parse_word_number("twelve five") is None


@pytest.mark.parametrize(
    ("token", "level", "value"),
    [
        ("40, 000", "person", 40000),
        ("1.6 million", "person", 1600000),
        ("10 thousand", "person", 10000),
        ("2.3 10,000", "person", 23000),
        ("sixty-five", "village", 65),
        ("two million", "person", 2000000),
    ],
)
def test_count_values(token: str, level: str, value: int) -> None:
    assert count_value(token, level) == value


def test_written_out_counts_exit() -> None:
    assert _hits("Forty-two poor villages shook off poverty last year.") == [
        ("village", 42, None, None)
    ]
    assert _hits("All eleven counties of the prefecture have taken off their hats.") == [
        ("county", 11, 11, None)
    ]


def test_spaced_thousands_and_scaled_people() -> None:
    assert _hits("The scheme helped 25, 000 herdsmen shake off poverty.") == [
        ("person", 25000, None, None)
    ]
    assert _hits("Some 1.2 million rural residents were lifted out of poverty.") == [
        ("person", 1200000, None, None)
    ]


# --- exit phrases ------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "The province said 14 poor counties were removed from the poverty list in May.",
        "In 2019, 14 poor counties got off the national poverty list.",
        "Altogether 14 poverty-stricken counties withdrew from the list.",
        "Altogether 14 poverty-stricken counties were delisted.",
        "By October, 14 poor counties had become poverty-free.",
        "By October, 14 impoverished counties were free of poverty.",
        "By October, 14 poor counties had shed their poverty labels.",
        "The 14 poor counties of the region took off the hat of poverty in 2020.",
        "By end of 2020, all 14 county of the region off the poor hat.",
        "Last year 14 poor counties rose above poverty.",
        "The 14 poor counties left the poverty list one by one.",
    ],
)
def test_exit_phrases(sentence: str) -> None:
    hits = find_exits(sentence)
    assert [(h.level, h.exited) for h in hits] == [("county", 14)]


def test_a_dateline_day_is_no_count() -> None:
    sentence = "LANZHOU, June 3 (Xinhua) -- Twenty-two poor counties have shaken off poverty."
    assert _hits(sentence) == [("county", 22, None, None)]


def test_absolute_poverty_eliminated_by_the_last_batch() -> None:
    sentence = "The last six poor counties, all in the north, have eliminated absolute poverty."
    assert _hits(sentence) == [("county", 6, None, None)]


def test_plan_for_the_remaining_is_a_remainder_only() -> None:
    sentence = (
        "The province plans to lift all the remaining 9 poor counties out of poverty next year."
    )
    assert _hits(sentence) == [("county", None, None, 9)]


def test_names_struck_from_the_records() -> None:
    sentence = "About 90,000 poor people have had their names struck from the poverty records."
    assert _hits(sentence) == [("person", 90000, None, None)]


def test_list_phrase_without_poverty_is_no_exit() -> None:
    assert _hits("Some 14 companies were struck off the register of suppliers.") == []


def test_plain_list_removal_of_counties() -> None:
    sentence = "In Hunan, the remaining 6 counties were removed from the list in March."
    assert _hits(sentence) == [("county", 6, None, None)]


# --- count structures ---------------------------------------------------------------


def test_part_of_whole_with_possessive_and_last() -> None:
    sentence = "The last 6 of Yunnan's 88 poverty counties were approved to withdraw in 2020."
    # The last ones of a set leave none behind: no remainder is derived.
    assert _hits(sentence) == [("county", 6, 88, None)]


def test_part_with_share_between() -> None:
    sentence = "By June, 180, or about 75 percent of the 240 poor villages had exited poverty."
    hits = find_exits(sentence)
    assert [(h.level, h.exited, h.total) for h in hits] == [("village", 180, 240)]
    assert hits[0].rate_pct == 75.0


def test_part_of_them() -> None:
    sentence = "The city had 9 counties on the poverty list and saw 5 of them exit in 2019."
    assert ("county", 5, 9, 4) in _hits(sentence)
    sentence = "The firm helps 6 poor counties, and every one of them has now exited poverty."
    assert ("county", 6, 6, None) in _hits(sentence)


def test_floating_all_and_possessive_give_the_total() -> None:
    assert _hits("The prefecture's 230 poor villages all left the poverty list in 2019.") == [
        ("village", 230, 230, None)
    ]
    assert _hits("With its support, its three partner counties became poverty-free.") == [
        ("county", 3, 3, None)
    ]


def test_counts_nested_across_levels() -> None:
    sentence = "Last year 3.1 million poor people in 4,200 villages of 37 counties escaped poverty."
    assert sorted(_hits(sentence)) == [
        ("county", 37, None, None),
        ("person", 3100000, None, None),
        ("village", 4200, None, None),
    ]
    sentence = "A total of 21,400 poor people from 5,600 households shook off poverty in 2018."
    assert sorted(_hits(sentence)) == [
        ("household", 5600, None, None),
        ("person", 21400, None, None),
    ]


def test_remaining_batch_with_nested_counts() -> None:
    sentence = (
        "By May, the remaining 12 poor villages in the district, covering 900 households "
        "with 3,400 people, had all shed their poverty label."
    )
    assert sorted(_hits(sentence)) == [
        ("household", 900, None, None),
        ("person", 3400, None, None),
        ("village", 12, None, None),
    ]


def test_scope_after_in_the_is_not_a_subject() -> None:
    sentence = "By 2020, 300 poor villages in the five counties had all been lifted out of poverty."
    assert _hits(sentence) == [("village", 300, 300, None)]


def test_appositive_count() -> None:
    sentence = (
        "The governor said all remaining poor residents, numbering 120,000 in January, "
        "were lifted out of poverty by December."
    )
    assert _hits(sentence) == [("person", 120000, None, None)]


def test_dash_appositive_count() -> None:
    sentence = "All remaining poor residents of the province - 8,000 people - have exited poverty."
    assert _hits(sentence) == [("person", 8000, None, None)]


def test_count_after_the_phrase() -> None:
    sentence = "The region announced that it had eliminated poverty in its seven poorest counties."
    assert _hits(sentence) == [("county", 7, None, None)]


def test_elliptical_as_were() -> None:
    sentence = (
        "Some 3.5 million poor rural residents were lifted out of poverty last year, "
        "as were the province's remaining 21 poor counties."
    )
    assert sorted(_hits(sentence)) == [("county", 21, None, None), ("person", 3500000, None, None)]


def test_along_with_after_the_phrase() -> None:
    sentence = (
        "By 2021, 250 poor villages had all been lifted out of poverty, along with "
        "76,000 registered poor people."
    )
    assert sorted(_hits(sentence)) == [("person", 76000, None, None), ("village", 250, 250, None)]


def test_bare_number_of_people() -> None:
    sentence = "Over four decades the country lifted more than 700 million out of poverty."
    assert _hits(sentence) == [("person", 700000000, None, None)]
    assert _hits("The team pulled 40 from poverty.") == []


def test_bringing_the_number_to() -> None:
    sentence = (
        "Four counties exited in May, bringing the number of counties that have exited "
        "to 35, the total for the prefecture."
    )
    assert ("county", 35, 35, None) in _hits(sentence)


def test_single_named_county() -> None:
    assert _hits("Efforts ensured that Dongfeng County was lifted out of poverty on time.") == [
        ("county", 1, None, None)
    ]
    # In a breakdown the named county is part of the counted set, not a fact alone.
    sentence = (
        "Of the three, Dongfeng County took off its hat in 2019, and the other two "
        "counties were removed from the list in 2020."
    )
    assert ("county", 1, None, None) not in _hits(sentence)


def test_last_on_the_list_of_all() -> None:
    sentence = "The five counties were the last on the national list of 600 poor counties."
    assert _hits(sentence) == [("county", 600, 600, None)]


def test_remaining_on_the_list_is_a_remainder() -> None:
    assert _hits("There are still 4 poor counties on the poverty list.") == [
        ("county", None, None, 4)
    ]


def test_number_fallen_to_is_a_remainder() -> None:
    sentence = "By then the number of impoverished residents had fallen to just 6,000."
    assert _hits(sentence) == [("person", None, None, 6000)]


def test_lower_cased_page() -> None:
    sentence = "by the end of 2019, 1,300 poor villages in the province were delisted."
    assert _hits(sentence) == [("village", 1300, None, None)]


# --- not exits ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "The city plans to lift 5,000 people out of poverty by 2025.",
        "The projects benefited 20,000 poor people in 30 villages.",
        "Some 3,000 poor households were relocated to new homes.",
        "The poverty rate dropped from 12.5 percent to 3.1 percent.",
        "Some 19,000 poor people were offered jobs in the coastal factories.",
        "In 2020, 120, or 80 percent of the 150 counties, have either exited poverty or are "
        "undergoing checks.",
        "The goal is for all 40 poor villages to shake off poverty next year.",
        "The company brought 5,000 workers out of poverty-stricken areas to its plants.",
        "The program brought 3,000 from poverty-stricken families to vocational schools.",
    ],
)
def test_not_exits(sentence: str) -> None:
    assert find_exits(sentence) == []


# --- the pipeline: facts across sentences, duplicates --------------------------------------


def test_all_the_poor_counties_carry_the_earlier_count() -> None:
    text = (
        "The province was once home to 45 poverty-stricken counties. "
        "Most of them lie in the mountains. "
        "By the end of 2020, all the poor counties had been lifted out of poverty."
    )
    exits = _exits(text)
    assert [(f.level, f.exited, f.total) for f in exits] == [("county", 45, 45)]
    assert exits[0].evidence.sentence.startswith("The province was once home")
    assert exits[0].evidence.sentence.endswith("lifted out of poverty.")


def test_all_of_a_narrower_set_is_not_carried() -> None:
    text = (
        "The batch includes 30 poverty-stricken counties. "
        "With this batch, all poverty-stricken counties in the eastern hills have exited."
    )
    assert _exits(text) == []


def test_repeated_statement_is_one_fact() -> None:
    text = (
        "Some 8,000 poor farmers shook off poverty.\n\n"
        "Some 8,000 poor farmers shook off poverty, the office said."
    )
    assert len(_exits(text)) == 1


def test_same_number_exited_and_remaining_are_two_facts() -> None:
    text = (
        "By the end of last year, the number of poor people had fallen to 5,000. "
        "This June, the remaining 5,000 poor people were lifted out of poverty."
    )
    assert sorted((f.exited or 0, f.remaining or 0) for f in _exits(text)) == [(0, 5000), (5000, 0)]


def test_another_batch_with_the_same_count_is_kept() -> None:
    text = (
        "In March the province approved 12 counties to be removed from the poverty list. "
        "Together with the 12 counties that had already exited, the region is now free "
        "of absolute poverty."
    )
    assert [(f.level, f.exited) for f in _exits(text)] == [("county", 12), ("county", 12)]


def test_final_batch_is_not_a_repeat_of_the_earlier_remainder() -> None:
    text = (
        "By 2019, 80 of the 100 poor villages had exited poverty. "
        "In 2020, the remaining 20 poor villages were lifted out of poverty."
    )
    assert sorted((f.exited, f.total) for f in _exits(text)) == [(20, None), (80, 100)]


def test_hit_keeps_its_anchor() -> None:
    sentence = "In 2018, 25 poor villages were delisted."
    (hit,) = find_exits(sentence)
    assert isinstance(hit, ExitHit)
    assert sentence[hit.start : hit.end].startswith("25 poor villages")


def test_close_to_is_an_amount_not_a_purpose() -> None:
    sentence = "Close to 52,000 poor people in the prefecture have exited poverty since 2016."
    assert _hits(sentence) == [("person", 52000, None, None)]
    assert _hits("The county aims to help 52,000 poor people shake off poverty by 2020.") == []


# --- final round: labels, possession, opening sets, active removals ---------------


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # a poverty label shaken off, the counts joined by "as well as"
        (
            "Some 2.4 million poor farmers, as well as 310 poor villages in the region, "
            "have shaken off the 'poor' label.",
            [("village", 310, None, None), ("person", 2400000, None, None)],
        ),
        (
            "The twelve poor counties cast off their poverty tag last year.",
            [("county", 12, None, None)],
        ),
        # "overcome poverty" in a relative clause
        (
            "The first five counties in the bank's programme that have overcome poverty "
            "are in Yunnan.",
            [("county", 5, None, None)],
        ),
    ],
)
def test_label_and_overcome_phrasings(sentence: str, expected: list) -> None:
    assert sorted(_hits(sentence)) == sorted(expected)


def test_still_has_is_a_remainder() -> None:
    assert _hits("Today Guizhou still has 120,000 poor people and 35 impoverished villages.") == [
        ("person", None, None, 120000),
        ("village", None, None, 35),
    ]


def test_past_home_to_is_a_baseline_total() -> None:
    sentence = (
        "Ten years ago the prefecture was home to 1,204 impoverished villages and an "
        "impoverished population of 0.9 million."
    )
    assert _hits(sentence) == [("village", None, 1204, None), ("person", None, 900000, None)]


def test_present_home_to_and_plain_has_are_not_exits() -> None:
    assert _hits("The county is home to 300 villages and 12 poor villages.") == []
    assert _hits("The city has 40 poor villages and a tea industry.") == []


def test_bare_number_counts_the_set_the_opening_phrase_names() -> None:
    sentence = (
        "Among the poor counties that applied to leave the list this year, 72 from Yunnan, "
        "Gansu and Guizhou have passed the checks and bid farewell to poverty."
    )
    assert _hits(sentence) == [("county", 72, None, None)]


def test_opening_set_followed_by_a_percentage_is_no_count() -> None:
    sentence = "Among the poor counties in the west, 40 percent have bid farewell to poverty."
    assert _hits(sentence) == []


def test_active_removal_from_the_list() -> None:
    sentence = (
        "The provincial government approved the notice, approving to remove 17 counties "
        "(county-level cities) from the list of poverty-stricken counties."
    )
    assert _hits(sentence) == [("county", 17, None, None)]


@pytest.mark.parametrize(
    "sentence",
    [
        "The province plans to remove 12 poor counties from the list next year.",
        "The office did not remove 9 poor counties from the list.",
        "The clerk removed 20 households from the list of subsidy recipients.",
    ],
)
def test_removal_that_is_a_plan_a_negation_or_not_poverty(sentence: str) -> None:
    assert _hits(sentence) == []


def test_more_counties_than_any_province_has_is_no_county_count() -> None:
    sentence = "In all, 8,120 poor counties in the province have shaken off the poverty label."
    assert _hits(sentence) == []


def test_one_named_county_the_last_of_a_set() -> None:
    sentence = (
        "The bank said Huining County in Baiyin City had been lifted out of poverty, "
        "the last of the five counties it supports to do so."
    )
    assert _hits(sentence) == [("county", 1, None, None)]


def test_parts_of_a_set_that_exited_before_share_its_exit() -> None:
    text = (
        "The provincial government announced that 21 counties were removed from the list "
        "of poverty-stricken counties. The 21 counties include 19 national-level "
        "poverty-stricken counties, namely, Alpha County and Beta County; two "
        "provincial-level poverty-stricken counties, namely, Gamma County and Delta County."
    )
    found = sorted((f.exited, f.evidence.start_char) for f in _exits(text))
    assert [n for n, _ in found] == [2, 19, 21]
    assert all(start == 0 for _, start in found)  # the evidence reaches back to the exit


def test_parts_without_an_earlier_exit_are_nothing() -> None:
    text = (
        "The province drew up a plan for 21 counties. The 21 counties include 19 "
        "national-level poverty-stricken counties and two provincial-level poor counties."
    )
    assert _exits(text) == []


# --- one statement, one row -----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Yunnan, Dec. 3 (Xinhua) -- With its final 11 counties exiting in October 2020, all 88 "
        "impoverished counties in Yunnan have now shaken off poverty.",
        "Gansu, March 5 -- As the last six villages exited poverty in 2019, all 40 poor villages "
        "of Gansu have been lifted out of poverty.",
    ],
)
def test_last_batch_and_whole_set_are_one_row(text: str) -> None:
    exits = _exits(text)
    assert len(exits) == 1, exits
    (row,) = exits
    # The last batch, none remaining; the whole set is no total ("8 of 54" would say
    # 46 remain).
    assert row.exited in (11, 6)
    assert row.remaining == 0 and row.total is None


def test_two_places_in_one_sentence_stay_two_rows() -> None:
    exits = _exits(
        "Guizhou, Nov. 23 -- Nine counties in Guizhou exited poverty this year, and all 832 "
        "counties in China have now been lifted out of poverty."
    )
    assert {(f.exited, f.total) for f in exits} >= {(9, None), (832, 832)}
