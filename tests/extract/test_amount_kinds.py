"""Kinds of funds and outputs: notations, what is a fund, measures, products.

Every sentence here is written for these tests, not taken from an article.
"""

from __future__ import annotations

import pytest

from ingestion.extract import extract_facts
from ingestion.extract.money_context import classify_money, fund_measure
from ingestion.extract.numbers import find_money, find_quantities


def funds(text: str) -> list:
    return [f for f in extract_facts("t", text) if f.type == "fund"]


def outputs(text: str) -> list:
    return [f for f in extract_facts("t", text) if f.type == "output"]


def money_kinds(text: str) -> list[tuple[float, str | None]]:
    return [(q.value, classify_money(text, q.start, q.end)) for q in find_money(text)]


# --- notations -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Firms joined, leading to 12.75-billion-yuan investment in farms.", 12_750_000_000),
        ("The city donated two billion yuan to the county.", 2_000_000_000),
        ("Eight million yuan was raised for the clinic.", 8_000_000),
        ("The province allocated RMB five million for roads.", 5_000_000),
        ("The district invested 3,000 wan yuan in schools.", 30_000_000),
        ("The district invested RMB 4.2 billion in schools.", 4_200_000_000),
        ("The district invested 4,215 million yuan in schools.", 4_215_000_000),
    ],
)
def test_money_notations(text: str, value: float) -> None:
    assert [q.value for q in find_money(text)] == pytest.approx([value])


def test_a_hyphenated_amount_without_scale_is_a_modifier() -> None:
    assert find_money("Incomes passed the 3,500-yuan poverty line.") == []


def test_a_word_number_inside_a_numeral_amount_is_not_read_twice() -> None:
    assert [q.value for q in find_money("It spent 7.5 hundred million yuan.")] == [750_000_000]


def test_dollars_in_parentheses_are_not_a_second_fund() -> None:
    out = funds("Qingdao invested 2.4 billion yuan ($340 million) in Anshun's villages.")
    assert [f.amount_cny for f in out] == [2_400_000_000]


def test_adding_up_to_is_a_total_not_a_ceiling() -> None:
    text = "The city launched 300 projects with total funds adding up to 1.2 billion yuan."
    (q,) = find_money(text)
    assert q.qualifier == "exact"


def test_cover_is_not_over() -> None:
    (q,) = find_quantities("The villages' tea gardens cover 42,000 mu on the hills.")
    assert q.qualifier == "exact"


# --- what is a fund ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "measure"),
    [
        ("A new hospital in the county, costing 36 million yuan, opened in May.", "investment"),
        ("The school will cost more than 7 million yuan, all paid by Wuxi.", "investment"),
        ("Roads were built in 40 villages at an expense of 85 million yuan.", "investment"),
        (
            "In ten years Fuzhou gave technical and financial support to the county, "
            "totaling 420 million yuan.",
            "assistance_funds",
        ),
        ("Its industrial cooperation projects have totaled 9 billion yuan.", "investment"),
        ("The university attracted additional funding of 300 million yuan.", "investment"),
    ],
)
def test_money_put_into_projects_is_a_fund(text: str, measure: str) -> None:
    (q,) = find_money(text)
    assert classify_money(text, q.start, q.end) == "fund"
    assert fund_measure(text, q.start, q.end) == measure


@pytest.mark.parametrize(
    "text",
    [
        "At the fair, 12 firms signed 2.1 billion yuan of project investment agreements.",
        "The ministry will offer 1.5 billion yuan this year, 300 million yuan more than last year.",
        "Aid to the county rose by 40 million yuan to 260 million yuan.",
        "Farmers saved production costs of 2 million yuan.",
        "Migrant workers earned labour-service income of 310 million yuan.",
    ],
)
def test_changes_deals_and_incomes_are_not_funds(text: str) -> None:
    kinds = money_kinds(text)
    assert kinds and kinds[0][1] is None


@pytest.mark.parametrize(
    ("text", "measure"),
    [
        ("Changzhou has invested 610 million yuan of assistance funds.", "assistance_funds"),
        ("Suzhou invested 7.5 million yuan of social donation funds.", "donation"),
        ("The city sent 2 million yuan of relief materials to the county.", "donation"),
        ("The county integrated 9 billion yuan of farm-related financial funds.", "fiscal_funds"),
        ("Xiamen provided 1.1 billion yuan in financial assistance funds.", "assistance_funds"),
        ("Nanjing donated 800,000 yuan of funds to the clinic.", "donation"),
    ],
)
def test_the_moneys_own_noun_decides_its_measure(text: str, measure: str) -> None:
    (q,) = find_money(text)
    assert fund_measure(text, q.start, q.end) == measure


def test_a_part_and_its_total_are_both_kept() -> None:
    text = (
        "Over three years Hangzhou raised 820 million yuan of aid funds, of which "
        "610 million yuan went directly to 30 projects in Taijiang County."
    )
    assert sorted(f.amount_cny for f in funds(text)) == [610_000_000, 820_000_000]


# --- outputs -------------------------------------------------------------------------


def test_tonnes_of_products_sold_are_a_volume_and_their_value_sales() -> None:
    text = (
        "Last year about 12,000 tons of Hotan agricultural products with a total value of "
        "300 million yuan were sold to Beijing."
    )
    got = {(f.measure, f.value, f.qualifier, f.product) for f in outputs(text)}
    assert got == {
        ("output_volume", 12_000, "about", "agricultural products"),
        ("sales", 300_000_000, "exact", "agricultural products"),
    }


def test_mu_of_a_crop_is_a_planting_area_and_a_per_mu_yield_is_not_an_output() -> None:
    text = "The cooperative has 3.5 mu of strawberry, yielding 150 kg per mu."
    got = [(f.measure, f.value, f.product) for f in outputs(text)]
    assert got == [("planting_area", 3.5, "strawberry")]


def test_mu_of_land_names_no_product() -> None:
    text = "The town's walnut farmers planted 2,000 mu of land this spring."
    (out,) = outputs(text)
    assert out.product == "walnut"


@pytest.mark.parametrize(
    ("text", "value", "product"),
    [
        (
            "In 2021, Gansu sold more than 500 million yuan worth of agricultural products "
            "with help from Tianjin.",
            500_000_000,
            "agricultural products",
        ),
        (
            "This year the sales of Guizhou's products for poverty alleviation in Shanghai "
            "have exceeded 2.2 billion yuan.",
            2_200_000_000,
            "products for poverty alleviation",
        ),
        (
            "In a one-hour livestream, cherries grown by the villagers realized sales of "
            "80,000 yuan.",
            80_000,
            "cherries",
        ),
        (
            "The bank purchased agricultural products worth RMB2.75 million from the county.",
            2_750_000,
            "agricultural products",
        ),
    ],
)
def test_sales_of_a_product(text: str, value: float, product: str) -> None:
    (out,) = outputs(text)
    assert (out.measure, out.value, out.product) == ("sales", value, product)


def test_purchases_valued_are_sales_not_a_neutral_value() -> None:
    text = "Products totaling a value of 41.2 million yuan were bought via the platform."
    (out,) = outputs(text)
    assert out.measure == "sales" and out.value == 41_200_000


def test_coordinated_amounts_share_the_product_named_after_them() -> None:
    text = (
        "The universities purchased 310 million yuan and helped sell 870 million yuan's "
        "worth of local agricultural products."
    )
    got = {(f.value, f.product) for f in outputs(text)}
    assert got == {(310_000_000, "agricultural products"), (870_000_000, "agricultural products")}


def test_bare_products_take_the_kind_named_in_the_sentence_before() -> None:
    text = (
        "The campaign focused on agricultural products from poor counties. "
        "In all, products worth 25 million yuan were bought online."
    )
    (out,) = outputs(text)
    assert out.product == "agricultural products"


def test_what_the_land_yields_is_output_value() -> None:
    text = "The county's orchards of 3,000 hectares yield produce worth 90 million yuan."
    got = {(f.measure, f.value) for f in outputs(text)}
    assert got == {("planting_area", 45_000), ("output_value", 90_000_000)}


def test_an_output_without_a_product_takes_the_articles_product() -> None:
    text = (
        "Sichuan pepper has changed the valley. Farmers learned to prune Sichuan pepper "
        "trees. The county's plantation area of 2,000 hectares now feeds 900 families."
    )
    (out,) = outputs(text)
    assert (out.measure, out.value, out.product) == ("planting_area", 30_000, "Sichuan pepper")


def test_the_planting_area_slot_names_an_unlisted_crop() -> None:
    text = "Today the planting area of Pleurotus eryngii is 1,200 mu, with an output of 800 tons."
    got = {(f.measure, f.product) for f in outputs(text)}
    assert got == {("planting_area", "Pleurotus eryngii"), ("output_volume", "Pleurotus eryngii")}


def test_land_under_plastic_and_a_products_own_total() -> None:
    text = (
        "The village now has 640 mu under plastic, and its mushrooms reached 1,900 tonnes "
        "last year."
    )
    got = {(f.measure, f.value, f.product) for f in outputs(text)}
    assert got == {("planting_area", 640, "mushrooms"), ("output_volume", 1_900, "mushrooms")}


def test_a_total_of_no_product_is_no_output() -> None:
    assert outputs("The coal shipped from the mine reached 5,000 tonnes.") == []


# --- final round: outputs -----------------------------------------------------------


def _outputs(sentence: str) -> list[tuple[str, float]]:
    from ingestion.extract.outputs import find_outputs

    return [(h.measure, h.quantity.value) for h in find_outputs(sentence, find_money(sentence))]


def test_sales_volume_of_a_product_that_reached_a_sum() -> None:
    sentence = (
        "Since 2020 the cumulative sales volume of Longshan beef in eastern cities has "
        "reached 42 million yuan."
    )
    assert _outputs(sentence) == [("sales", 42_000_000.0)]


def test_retail_sales_of_an_economy_are_no_output() -> None:
    sentence = "Retail sales of consumer goods in the city totalled 51.3 billion yuan."
    assert _outputs(sentence) == []


def test_area_joined_to_a_farming_base() -> None:
    sentence = "The cooperative has built a 1,500-mu organic vegetable planting base."
    assert _outputs(sentence) == [("planting_area", 1500.0)]


def test_area_joined_to_a_park_that_is_not_farming() -> None:
    assert _outputs("The town built a 300-mu logistics park near the highway.") == []


def test_planned_area_of_a_project_is_no_planting_area() -> None:
    sentence = (
        "The planned area of the tourism project is 12,000 mu (800 hectares), spanning "
        "three villages."
    )
    assert _outputs(sentence) == []
