"""The scorer against hand-built predictions and gold, one contract rule per test."""

from __future__ import annotations

from typing import Any

import pytest

from ingestion.evaluation.scoring import (
    facts_match,
    maximum_matching,
    names_match,
    normalise_name,
    score,
    within_tolerance,
)

DOC = "d1"


def pairing(helper: str, helped: str, doc: str = DOC, **extra: Any) -> dict[str, Any]:
    return {"doc": doc, "type": "pairing", "helper": helper, "helped": helped, **extra}


def fund(amount: float, doc: str = DOC, **extra: Any) -> dict[str, Any]:
    return {"doc": doc, "type": "fund", "amount_cny": amount, **extra}


def output(measure: str, value: float, doc: str = DOC, **extra: Any) -> dict[str, Any]:
    return {"doc": doc, "type": "output", "measure": measure, "value": value, **extra}


def exit_(level: str, doc: str = DOC, **counts: Any) -> dict[str, Any]:
    return {"doc": doc, "type": "exit", "level": level, **counts}


# ---------------------------------------------------------------------------
# Name normalisation


@pytest.mark.parametrize(
    "word",
    [
        "county",
        "district",
        "city",
        "prefecture",
        "province",
        "autonomous",
        "region",
        "municipality",
        "municipal",
        "town",
        "township",
        "village",
        "the",
        "of",
        "group",
        "co",
        "company",
        "corporation",
        "ltd",
        "limited",
    ],
)
def test_every_contract_stopword_is_dropped(word: str) -> None:
    assert normalise_name(f"Jinniu {word.title()}") == "jinniu"
    assert normalise_name(f"{word.upper()} Jinniu") == "jinniu"


def test_stopwords_are_dropped_only_as_whole_words() -> None:
    # "Cole" contains "co", "Theodore" contains "the": they stay.
    assert normalise_name("Cole Theodore County") == "cole theodore"


def test_lower_case_and_autonomous_region_forms() -> None:
    # The contract drops the ethnic-group words division names carry.
    assert normalise_name("Ningxia Hui Autonomous Region") == "ningxia"
    assert normalise_name("Liangshan Yi Autonomous Prefecture") == "liangshan"
    assert normalise_name("The Tibet Autonomous Region") == "tibet"
    assert normalise_name("Chongqing Municipality") == "chongqing"


def test_text_in_parentheses_is_dropped() -> None:
    assert normalise_name("Pidu District (formerly Pi County)") == "pidu"
    assert names_match("Pidu", ["Pidu District (Chengdu)"])


def test_only_the_part_before_the_first_comma_counts() -> None:
    assert normalise_name("Leibo County, Liangshan Prefecture, Sichuan") == "leibo"
    assert names_match("Leibo County, Liangshan", ["Leibo"])


def test_apostrophes_are_deleted_not_split() -> None:
    assert normalise_name("Guang'an") == "guangan"
    assert normalise_name("Guang’an City") == "guangan"
    assert normalise_name("Guang¡¯an") == "guangan"  # GBK mojibake
    assert normalise_name("Guangâ€™an") == "guangan"  # cp1252 mojibake
    assert names_match("Guang¡¯an", ["Guang'an"])


def test_hyphens_and_other_punctuation_are_dropped() -> None:
    assert normalise_name("Sichuan-Energy Investment Co., Ltd.") == "sichuan energy investment"
    assert normalise_name("Ebian-Autonomous Prefecture") == "ebian"
    assert names_match('"Jinniu" District.', ["Jinniu District"])
    assert names_match("Inner-Mongolia", ["Inner Mongolia Autonomous Region"])


def test_word_boundaries_count_as_in_the_official_scorer() -> None:
    # Running words together is an extraction error; the scorer must not forgive it.
    assert not names_match("InnerMongolia", ["Inner Mongolia"])
    assert names_match("Inner  Mongolia", ["Inner Mongolia"])


def test_company_words_are_dropped() -> None:
    assert names_match("Tianjin Food Group Co., Ltd.", ["Tianjin Food"])
    assert names_match("China Three Gorges Corporation", ["China Three Gorges Group"])
    assert names_match("Beijing Enterprises Company Limited", ["Beijing Enterprises Group"])


def test_names_that_differ_do_not_match() -> None:
    assert not names_match("Jinniu District of Chengdu", ["Jinniu District"])
    assert not names_match("Jinan", ["Jinnan District"])


def test_a_name_of_only_stopwords_names_nobody() -> None:
    assert normalise_name("The County") == ""
    assert not names_match("The County", ["District"])
    assert not names_match(None, ["Hotan"])


# ---------------------------------------------------------------------------
# Pairing matching


def test_pairing_matches_on_both_names_after_normalising() -> None:
    gold = pairing("Jinniu District", "Shiqu County")
    assert facts_match(pairing("jinniu", "Shiqu"), gold)
    assert not facts_match(pairing("Jinniu", "Xinlong"), gold)
    assert not facts_match(pairing("Qingyang", "Shiqu"), gold)
    # Direction matters: the helper is not the helped.
    assert not facts_match(pairing("Shiqu County", "Jinniu District"), gold)


def test_pairing_aliases_on_both_sides() -> None:
    gold = pairing(
        "Tianjin Food Group",
        "Hotan",
        helper_aliases=["Tianjin Food Industry"],
        helped_aliases=["Hetian", "Khotan"],
    )
    assert facts_match(pairing("Tianjin Food Industry Co., Ltd.", "Khotan Prefecture"), gold)
    assert facts_match(pairing("Tianjin Food", "Hetian"), gold)
    assert not facts_match(pairing("Tianjin Food", "Kashgar"), gold)


def test_facts_of_different_documents_or_types_never_match() -> None:
    assert not facts_match(pairing("Jinniu", "Shiqu", doc="d2"), pairing("Jinniu", "Shiqu"))
    assert not facts_match(fund(100.0), output("sales", 100.0))


# ---------------------------------------------------------------------------
# Fund and output tolerance


@pytest.mark.parametrize(
    ("predicted", "expected"),
    [
        (20_000_000, True),
        (20_100_000, True),  # exactly +0.5%
        (19_900_000, True),  # exactly -0.5%
        (20_100_001, False),  # just over
        (19_899_999, False),  # just under
        (20_000_000.0, True),
    ],
)
def test_fund_tolerance_is_half_a_percent_of_gold_inclusive(predicted: float, expected: bool):
    assert facts_match(fund(predicted), fund(20_000_000)) is expected


def test_tolerance_is_relative_to_the_gold_amount() -> None:
    # 0.5% of gold 1000 is 5; 0.5% of the prediction 1005 would be 5.025.
    assert within_tolerance(1005, 1000)
    assert not within_tolerance(1005.01, 1000)
    assert not within_tolerance(995, 1000.01 * 1.0000001)


def test_non_numbers_never_match() -> None:
    assert not within_tolerance("20000000", 20_000_000)
    assert not within_tolerance(None, 20_000_000)
    assert not within_tolerance(True, 1)
    assert not facts_match(fund("1.2 billion"), fund(1_200_000_000))


def test_output_needs_equal_measure_and_value_within_tolerance() -> None:
    gold = output("output_volume", 31_200)
    assert facts_match(output("output_volume", 31_356), gold)  # +0.5%
    assert not facts_match(output("output_volume", 31_357), gold)
    assert not facts_match(output("planting_area", 31_200), gold)
    assert not facts_match(output("output_value", 31_200), gold)


# ---------------------------------------------------------------------------
# Exit matching


def test_exit_needs_equal_level() -> None:
    gold = exit_("county", exited=47, total=50)
    assert facts_match(exit_("county", exited=47), gold)
    assert not facts_match(exit_("village", exited=47, total=50), gold)


def test_exit_matches_when_any_gold_count_is_equal() -> None:
    gold = exit_("village", exited=3787, total=3904)
    assert facts_match(exit_("village", total=3904), gold)
    assert facts_match(exit_("village", exited=3787, total=1), gold)
    assert facts_match(exit_("village", exited=1, total=3904, remaining=117), gold)


def test_exit_counts_absent_from_gold_do_not_count() -> None:
    gold = exit_("village", remaining=5)
    # The prediction's exited is not compared with anything: gold gives none.
    assert not facts_match(exit_("village", exited=5), gold)
    assert facts_match(exit_("village", remaining=5, exited=99), gold)


def test_exit_rate_alone_never_matches() -> None:
    gold = exit_("county", exited=47, rate_pct=94)
    assert not facts_match(exit_("county", rate_pct=94), gold)


def test_exit_counts_compare_as_numbers() -> None:
    assert facts_match(exit_("person", total=3365000.0), exit_("person", total=3365000))
    assert not facts_match(exit_("person", total="3365000"), exit_("person", total=3365000))


# ---------------------------------------------------------------------------
# Matching and counting


def test_each_gold_fact_matches_one_prediction_and_duplicates_are_false_positives() -> None:
    gold = [fund(20_000_000)]
    report = score([fund(20_000_000), fund(20_000_000)], gold)
    assert (report.by_type["fund"].tp, report.by_type["fund"].fp) == (1, 1)
    duplicates = [e for e in report.errors if e.kind == "fp"]
    assert len(duplicates) == 1 and duplicates[0].duplicate


def test_repeated_pairing_in_one_document_is_a_false_positive() -> None:
    gold = [pairing("Jinniu District", "Shiqu County")]
    report = score([pairing("Jinniu", "Shiqu"), pairing("Jinniu District", "Shiqu")], gold)
    assert (report.by_type["pairing"].tp, report.by_type["pairing"].fp) == (1, 1)


def test_maximum_matching_beats_greedy() -> None:
    # Prediction 0 (exited=47, total=50) matches both gold facts; prediction 1
    # (total=50) matches only gold 0. Greedy in order would give p0->g0 and
    # leave p1 unmatched; the maximum matching pairs p0->g1 and p1->g0.
    golds = [exit_("county", total=50), exit_("county", exited=47)]
    preds = [exit_("county", exited=47, total=50), exit_("county", total=50)]
    assert sorted(maximum_matching(preds, golds)) == [(0, 1), (1, 0)]
    report = score(preds, golds)
    assert report.by_type["exit"] == report.overall
    assert (report.overall.tp, report.overall.fp, report.overall.fn) == (2, 0, 0)


def test_maximum_matching_prefers_the_closest_prediction() -> None:
    gold = [fund(1_000_000, year=2020)]
    preds = [fund(1_004_000, year=2019), fund(1_000_000, year=2020)]
    report = score(preds, gold)
    assert report.matches[0].predicted["amount_cny"] == 1_000_000
    assert report.attributes["year"].correct == 1


def test_maximum_matching_with_more_golds_than_predictions() -> None:
    golds = [fund(100), fund(100.2), fund(300)]
    preds = [fund(100.1)]
    assert len(maximum_matching(preds, golds)) == 1
    report = score(preds, golds)
    assert (report.overall.tp, report.overall.fn) == (1, 2)


def test_predictions_only_match_gold_of_their_own_document() -> None:
    report = score([fund(500, doc="a")], [fund(500, doc="b")])
    assert (report.overall.tp, report.overall.fp, report.overall.fn) == (0, 1, 1)


def test_document_without_gold_counts_every_prediction_as_false_positive() -> None:
    gold = [fund(500, doc="a")]
    preds = [fund(500, doc="a"), pairing("Jinniu", "Shiqu", doc="empty"), fund(7, doc="empty")]
    report = score(preds, gold)
    assert report.by_type["pairing"].fp == 1
    assert report.by_type["fund"].fp == 1
    assert report.overall.fp == 2


def test_facts_of_other_types_and_output_measures_are_ignored() -> None:
    gold = [output("sales", 1000)]
    preds = [
        output("sales", 1000),
        output("income", 5000),
        output("gdp", 1000),
        {"doc": DOC, "type": "employment", "people": 45000},
    ]
    report = score(preds, gold)
    assert (report.overall.tp, report.overall.fp, report.overall.fn) == (1, 0, 0)
    assert report.ignored_predictions == 3


def test_gold_of_unscored_measures_is_ignored_too() -> None:
    report = score([], [output("income", 5000)])
    assert report.overall.fn == 0


# ---------------------------------------------------------------------------
# Attributes


def test_list_valued_mechanism_accepts_any_listed_value() -> None:
    gold = [
        pairing("Jinniu", "Shiqu", mechanism=["counterpart_support", "basic_assistance"]),
        pairing("Zigong", "Pingchang", mechanism=["paired_assistance", "basic_assistance"]),
        pairing("Jiangyou", "Butuo", mechanism="basic_assistance"),
    ]
    preds = [
        pairing("Jinniu", "Shiqu", mechanism="basic_assistance"),
        pairing("Zigong", "Pingchang", mechanism="east_west_cooperation"),
        pairing("Jiangyou", "Butuo", mechanism="basic_assistance"),
    ]
    mechanism = score(preds, gold).attributes["mechanism"]
    assert (mechanism.correct, mechanism.total) == (2, 3)


def test_list_valued_fund_measure_accepts_any_listed_value() -> None:
    gold = [fund(100, measure=["assistance_funds", "investment"]), fund(900, measure=["donation"])]
    preds = [fund(100, measure="investment"), fund(900, measure="investment")]
    measure = score(preds, gold).attributes["measure"]
    assert (measure.correct, measure.total) == (1, 2)


def test_attributes_count_only_where_gold_gives_them() -> None:
    gold = [
        fund(100, year=2020, qualifier="exact"),
        fund(200),  # gives no attribute: never counted, whatever is predicted
        fund(300, qualifier=None, year=None),
    ]
    preds = [
        fund(100, year=2019, qualifier="exact"),
        fund(200, year=2020, qualifier="about", measure="donation"),
        fund(300, year=2021),
    ]
    report = score(preds, gold)
    year, qualifier = report.attributes["year"], report.attributes["qualifier"]
    assert (year.correct, year.total) == (0, 1)
    assert (qualifier.correct, qualifier.total) == (1, 1)
    assert report.attributes["measure"].total == 0
    assert report.attributes["measure"].accuracy is None


def test_missing_predicted_attribute_is_wrong() -> None:
    report = score([fund(100)], [fund(100, qualifier="at_least")])
    assert (report.attributes["qualifier"].correct, report.attributes["qualifier"].total) == (0, 1)


def test_attributes_are_read_only_over_matched_pairs() -> None:
    report = score([fund(999, year=2020)], [fund(100, year=2020)])
    assert report.attributes["year"].total == 0


def test_attributes_are_kept_per_type_too() -> None:
    gold = [output("sales", 10, year=2020), fund(10, year=2021)]
    preds = [output("sales", 10, year=2020), fund(10, year=2020)]
    report = score(preds, gold)
    assert report.attributes_by_type["output"]["year"].correct == 1
    assert report.attributes_by_type["fund"]["year"].correct == 0
    assert (report.attributes["year"].correct, report.attributes["year"].total) == (1, 2)


# ---------------------------------------------------------------------------
# Precision, recall, F1 and micro-averaging


def test_per_type_and_micro_averaged_scores() -> None:
    gold = [
        pairing("A", "B"),
        pairing("C", "D"),
        fund(100),
        fund(200),
        fund(300),
        fund(400),
        exit_("county", exited=3),
    ]
    preds = [
        pairing("A", "B"),  # tp
        pairing("X", "Y"),  # fp
        fund(100),  # tp
        fund(200),  # tp
        fund(300),  # tp
        output("sales", 5),  # fp (no output gold)
    ]
    report = score(preds, gold)
    p = report.by_type["pairing"]
    assert (p.tp, p.fp, p.fn) == (1, 1, 1)
    assert p.precision == pytest.approx(0.5) and p.recall == pytest.approx(0.5)
    f = report.by_type["fund"]
    assert (f.precision, f.recall) == (1.0, 0.75)
    assert f.f1 == pytest.approx(2 * 0.75 / 1.75)
    o, e = report.by_type["output"], report.by_type["exit"]
    assert (o.precision, o.recall, o.f1) == (0.0, 0.0, 0.0)
    assert (e.tp, e.fn, e.precision, e.recall) == (0, 1, 0.0, 0.0)
    # Micro-average: counts summed over types, not the mean of the four F1s.
    overall = report.overall
    assert (overall.tp, overall.fp, overall.fn) == (4, 2, 3)
    assert overall.precision == pytest.approx(4 / 6)
    assert overall.recall == pytest.approx(4 / 7)
    assert overall.f1 == pytest.approx(2 * 4 / (2 * 4 + 2 + 3))
    macro = sum(report.by_type[t].f1 for t in report.by_type) / 4
    assert overall.f1 != pytest.approx(macro)


def test_nothing_to_find_and_nothing_found_is_not_an_error() -> None:
    report = score([], [])
    assert report.overall.f1 == 1.0
    assert report.by_type["exit"].precision == 1.0


def test_report_serialises_to_plain_json() -> None:
    import json

    report = score([fund(100, evidence="It gave 100 yuan.")], [fund(100), fund(5)])
    data = json.loads(json.dumps(report.to_dict(with_errors=True)))
    assert data["overall"]["tp"] == 1
    assert data["by_type"]["fund"]["recall"] == 0.5
    assert [e["kind"] for e in data["errors"]] == ["fn"]


def _brute_force_maximum(preds: list[dict[str, Any]], golds: list[dict[str, Any]]) -> int:
    from itertools import permutations

    if len(preds) > len(golds):
        pairs = [
            [(p, g) for g, p in enumerate(c)] for c in permutations(range(len(preds)), len(golds))
        ]
    else:
        pairs = [list(enumerate(c)) for c in permutations(range(len(golds)), len(preds))]
    return max((sum(facts_match(preds[p], golds[g]) for p, g in ps) for ps in pairs), default=0)


@pytest.mark.parametrize("seed", range(40))
def test_matching_size_equals_brute_force_maximum(seed: int) -> None:
    import random

    rng = random.Random(seed)
    counts = ("exited", "total", "remaining")

    def random_exit() -> dict[str, Any]:
        given = rng.sample(counts, rng.randint(1, 3))
        return exit_("county", **{c: rng.randint(1, 3) for c in given})

    golds = [random_exit() for _ in range(rng.randint(0, 5))]
    preds = [random_exit() for _ in range(rng.randint(0, 5))]
    pairs = maximum_matching(preds, golds)
    assert len({p for p, _ in pairs}) == len({g for _, g in pairs}) == len(pairs)
    assert all(facts_match(preds[p], golds[g]) for p, g in pairs)
    assert len(pairs) == _brute_force_maximum(preds, golds)
