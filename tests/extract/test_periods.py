"""Years and periods of figures: the contract's "Years and periods", on sentences we wrote."""

from __future__ import annotations

import pytest

from ingestion.extract.periods import (
    Period,
    carried_period,
    document_year,
    figure_period,
    opening_period,
    stated_start,
    statement_year,
)


def _period(sentence: str, number: str, doc_year: int | None = None) -> Period:
    return figure_period(sentence, sentence.index(number), doc_year)


@pytest.mark.parametrize(
    ("sentence", "number", "doc_year", "expected"),
    [
        # A range: the last year is the year, the first is year_from.
        ("From 2017 to 2020, Xiamen put 80 million yuan into Linxia.", "80", None, (2020, 2017)),
        ("Between 2016 and 2019 the city spent 12 million yuan.", "12", None, (2019, 2016)),
        ("During 2018-2021 Ningde allocated 9 million yuan.", "9 million", None, (2021, 2018)),
        # "since" ends in the year of the statement, when the text prints it.
        ("Dalian has invested 45 million yuan since 2016.", "45", 2021, (2021, 2016)),
        (
            "Since the pairing began in 2013, Hangzhou gave 3 million yuan.",
            "3 million",
            2019,
            (2019, 2013),
        ),
        ("Dalian has invested 45 million yuan since 2016.", "45", None, (None, 2016)),
        # Over the past N years, counted back from the statement.
        ("Over the past five years, Qingdao donated 20 million yuan.", "20", 2020, (2020, 2016)),
        # Five-year plans.
        (
            "During the 13th Five-Year Plan, the county got 2 billion yuan.",
            "2 billion",
            None,
            (2020, 2016),
        ),
        # Relative single years need the dateline.
        ("This year the district will allocate 6 million yuan.", "6 million", 2022, (2022, None)),
        ("Last year the district allocated 6 million yuan.", "6 million", 2022, (2021, None)),
        ("Last year the district allocated 6 million yuan.", "6 million", None, (None, None)),
        # A month without a year is in the dateline's year.
        ("On March 3, the bureau donated 700,000 yuan.", "700,000", 2019, (2019, None)),
        # A plain year.
        ("In 2019, Foshan provided 30 million yuan to Liangshan.", "30", None, (2019, None)),
        ("No year is stated for the 5 million yuan.", "5 million", 2020, (None, None)),
    ],
)
def test_figure_periods(
    sentence: str, number: str, doc_year: int | None, expected: tuple[int | None, int | None]
) -> None:
    assert _period(sentence, number, doc_year) == Period(*expected)


def test_nearest_period_in_the_figures_clause_wins() -> None:
    sentence = "Jinjiang, which has helped Dingxi since 2010, will invest 15 million yuan in 2023."
    assert _period(sentence, "15", 2022) == Period(2023, None)


def test_two_figures_two_periods_in_one_sentence() -> None:
    sentence = "It gave 4 million yuan in 2018 and 7 million yuan from 2019 to 2021."
    assert _period(sentence, "4 million") == Period(2018, None)
    assert _period(sentence, "7 million") == Period(2021, 2019)


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("Pairing news | Updated: 2021-06-30 09:12\nBody text.", 2021),
        ("Posted on March 5, 2019 by the desk.\nBody", 2019),
        ("5 August 2017 - The county said ...", 2017),
        ("A headline with 2018 in it but no full date.", None),
    ],
)
def test_document_year_is_the_printed_date(text: str, year: int | None) -> None:
    assert document_year(text) == year


def test_a_sentence_opening_with_a_time_dates_the_next() -> None:
    assert opening_period("By the end of last year, 40 villages had left poverty.", 2021) == Period(
        2020, None
    )
    assert opening_period("In 2018, the bureau opened 12 clinics.", None) == Period(2018, None)
    assert opening_period("The bureau opened 12 clinics in 2018.", None) == Period()


def test_a_dateline_without_a_space_after_its_comma() -> None:
    assert document_year("Updated: Sep 9,2016 10:20 AM\nBody") == 2016


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [("next year", 2021), ("over the past year", 2020), ("last year", 2019)],
)
def test_relative_years(phrase: str, expected: int) -> None:
    sentence = f"The city will give 8 million yuan {phrase}."
    assert _period(sentence, "8 million", 2020) == Period(expected, None)


@pytest.mark.parametrize("phrase", ["so far", "to date", "now"])
def test_totals_as_of_the_statement(phrase: str) -> None:
    sentence = f"The fund has raised 30 million yuan {phrase}."
    assert _period(sentence, "30 million", 2019) == Period(2019, None)


def _carried(
    sentence: str, number: str, start: Period, doc_year: int | None = None
) -> Period | None:
    at = sentence.index(number)
    return carried_period(sentence, at, figure_period(sentence, at, doc_year), start, doc_year)


def test_a_running_total_covers_the_period_the_sentence_before_started() -> None:
    before = "Since 2014, Weihai has helped Longnan build roads and schools."
    start = stated_start(before, None)
    assert start == Period(None, 2014)
    # No time of its own, but a running total ("a total of", a perfect tense): since 2014.
    assert _carried("A total of 60 million yuan has gone into 90 projects.", "60", start) == (
        Period(None, 2014)
    )
    assert _carried("They had also bought 8 million yuan of tea.", "8 million", start, 2019) == (
        Period(2019, 2014)
    )
    # A plain figure with no running-total wording keeps its own (empty) period.
    assert _carried("The park employs 300 people.", "300", start) is None


def test_a_running_total_stopping_at_a_year_starts_where_the_passage_started() -> None:
    start = stated_start("The bank has assisted the two counties since 2003.", None)
    sentence = "By the end of 2018, a total of 75 million yuan had been put into them."
    assert _carried(sentence, "75", start) == Period(2018, 2003)
    # "In 2018" alone is that year's figure, whatever came before.
    assert _carried("In 2018 the bank put 75 million yuan into them.", "75", start) is None


def test_the_past_n_years_count_from_the_start_the_text_gave() -> None:
    start = stated_start("Xiamen has been paired with Linxia since 2011.", None)
    assert start == Period(None, 2011)
    sentence = "In the past eight years, Xiamen spent 40 million yuan there."
    # Without a dateline the statement's year is the start plus the years passed.
    assert _carried(sentence, "40", start) == Period(2019, 2011)
    # With one, the years must add up before the start is believed.
    assert _carried(sentence, "40", start, 2019) == Period(2019, 2011)
    assert _carried(sentence, "40", Period(None, 2002), 2019) is None


def test_statement_year_from_a_start_and_the_years_since() -> None:
    text = [
        "Qingdao has supported Anshun since 2013.",
        "Over the past six years, it gave 10 million yuan.",
    ]
    assert statement_year(text) == 2019
    assert statement_year(text[1:]) is None
