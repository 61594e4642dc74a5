"""Years and periods of figures: the contract's "Years and periods", on sentences we wrote."""

from __future__ import annotations

import pytest

from ingestion.extract.periods import Period, document_year, figure_period, opening_period


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
