"""The built gazetteer: names, hierarchy, overrides and context resolution."""

from __future__ import annotations

import csv

import pytest

from ingestion.gazetteer import fold, is_organisation_name, load_gazetteer
from ingestion.gazetteer.build import (
    COLUMNS,
    REGIONS_CSV,
    Rename,
    apply_renames,
    build_rows,
    read_cpca_rows,
    read_overrides,
    read_renames,
)
from ingestion.gazetteer.romanize import pinyin_word, split_name


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


def test_regions_csv_columns_and_size():
    with REGIONS_CSV.open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        rows = list(reader)
    assert len(rows) > 3000
    assert all(len(r["region_code"]) == 12 for r in rows)
    assert all(r["level"] in ("province", "prefecture", "county") for r in rows)
    assert all((r["prefecture_code"] == "") == (r["level"] == "province") for r in rows)


def test_build_is_deterministic_and_matches_shipped_file():
    rows = build_rows(read_cpca_rows(), read_overrides(), read_renames())
    with REGIONS_CSV.open(encoding="utf-8") as fh:
        shipped = list(csv.DictReader(fh))
    assert rows == shipped


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Hotan", "653200000000"),
        ("Hetian", "653200000000"),
        ("Khotan", "653200000000"),
        ("Qamdo", "540300000000"),
        ("Changdu", "540300000000"),
        ("Cele", "653225000000"),
        ("Qira", "653225000000"),
        ("Celle", "653225000000"),
        ("Jian'ge", "510823000000"),
        ("Jiange", "510823000000"),
        ("Changzhi", "140400000000"),
        ("Shifang", "510682000000"),
        ("Ma'erkang", "513201000000"),
        ("Barkam", "513201000000"),
        ("Keriya", "653226000000"),
        ("Kashgar", "653100000000"),
        ("Xigaze", "540200000000"),
        ("Shigatse", "540200000000"),
        ("Lhasa", "540100000000"),
        ("Urumqi", "650100000000"),
        ("Hohhot", "150100000000"),
        ("Inner Mongolia", "150000000000"),
        ("Tibet", "540000000000"),
        ("Xizang", "540000000000"),
        ("Harbin", "230100000000"),
        ("Shaanxi", "610000000000"),
        ("Shanxi", "140000000000"),
        ("Minhang", "310112000000"),  # 行 read hang, not xing
        ("Pidu", "510117000000"),  # renamed from Pi County in 2016
    ],
)
def test_override_names_resolve(gaz, name, code):
    assert gaz.resolve(name).code == code


def test_garze_prefecture_and_county(gaz):
    assert gaz.resolve("Garze").code == "513300000000"  # bare name: the prefecture
    assert gaz.resolve("Garze", "County").code == "513328000000"
    assert gaz.resolve("Ganzi", "County").code == "513328000000"


def test_english_names_of_tricky_divisions(gaz):
    assert gaz.get("140400000000").name_en == "Changzhi City"
    assert gaz.get("510682000000").name_en == "Shifang City"
    assert gaz.get("653225000000").name_en == "Cele County"
    assert gaz.get("513400000000").name_en == "Liangshan Yi Autonomous Prefecture"
    assert gaz.get("622926000000").name_en == "Dongxiang Autonomous County"


def test_hierarchy_of_municipality_and_directly_administered_units(gaz):
    district = gaz.get("120112000000")  # Jinnan District, Tianjin
    assert district.level == "county" and district.parent_code == "120000000000"
    jiyuan = gaz.get("419001000000")
    assert jiyuan.parent_code == "410000000000" and jiyuan.prefecture_code == "410000000000"
    county = gaz.get("513436000000")  # a county of Liangshan
    assert county.prefecture_code == "513400000000" and county.province_code == "510000000000"


def test_duplicate_names_need_context(gaz):
    assert gaz.resolve("Zhenyuan", "County").ambiguous
    assert gaz.resolve("Zhenyuan", "County", context=["621000000000"]).code == "621027000000"
    assert gaz.resolve("Dongxiang").code is None
    assert gaz.resolve("Dongxiang", context=["620000000000"]).code == "622926000000"
    assert gaz.resolve("Yutian", context=["650000000000"]).code == "653226000000"


def test_fold_and_split():
    assert fold("Jian'ge") == fold("jian-ge") == "jiange"
    assert split_name("凉山彝族自治州").base_zh == "凉山"
    assert split_name("内蒙古自治区").base_zh == "内蒙古"
    assert pinyin_word("西安") == "Xi'an"


@pytest.mark.parametrize(
    "name",
    [
        "Tianjin Food Group",
        "Sichuan Energy Investment",
        "Guizhou Moutai Co., Ltd",
        "Bureau of Civil Affairs",
        "Sinopec",
    ],
)
def test_organisation_shapes(name):
    assert is_organisation_name(name)


def test_place_is_not_an_organisation():
    assert not is_organisation_name("Litang County")


def test_prefecture_code_is_own_code_for_prefectures():
    with REGIONS_CSV.open(encoding="utf-8") as fh:
        rows = {r["region_code"]: r for r in csv.DictReader(fh)}
    chengdu = rows["510100000000"]
    assert chengdu["level"] == "prefecture"
    assert chengdu["prefecture_code"] == "510100000000"
    assert rows["510104000000"]["prefecture_code"] == "510100000000"  # Jinjiang District
    assert rows["110101000000"]["prefecture_code"] == "110000000000"  # municipality district
    assert rows["419001000000"]["prefecture_code"] == "410000000000"  # Jiyuan, province-run
    for row in rows.values():
        if row["level"] == "prefecture":
            assert row["prefecture_code"] == row["region_code"]
        elif row["level"] == "province":
            assert row["prefecture_code"] == ""


def test_prefecture_is_not_its_own_ancestor(gaz):
    chengdu = gaz.get("510100000000")
    assert chengdu.ancestors() == ("510000000000",)
    assert not chengdu.is_within("510100000000")
    assert gaz.get("510104000000").is_within("510100000000")


def test_every_override_names_a_real_division() -> None:
    """An override whose Chinese name matches no cpca division would be dead data."""
    from ingestion.gazetteer.build import _is_division, read_cpca_rows, read_overrides
    from ingestion.gazetteer.romanize import split_name

    bases = {
        split_name(name).base_zh for code, name, *_ in read_cpca_rows() if _is_division(code, name)
    }
    missing = [o.name_zh for o in read_overrides() if o.name_zh not in bases]
    assert missing == []


# --- renamed and merged divisions ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "suffix", "code"),
    [
        # Pi County became Pidu District (new code) in 2016: both names, one code.
        ("Pidu", "District", "510117000000"),
        ("Pi", "County", "510117000000"),
        ("Pidu", None, "510117000000"),
        ("Xinjin", "County", "510118000000"),  # a district since 2020
        ("Longchang", "County", "511083000000"),  # a city since 2017
        ("Huili", "County", "513402000000"),  # a city since 2021
        # Merged into Dongcheng and Xicheng in 2010: the old name is an alias.
        ("Chongwen", "District", "110101000000"),
    ],
)
def test_old_and_new_names_resolve_to_todays_code(gaz, name, suffix, code):
    assert gaz.resolve(name, suffix).code == code


def test_an_old_name_shared_with_another_place_needs_context(gaz):
    # Beijing's former Xuanwu District is now Xicheng; Nanjing still has a Xuanwu District.
    assert gaz.resolve("Xuanwu", "District").code is None
    assert gaz.resolve("Xuanwu", "District", context=["110000000000"]).code == "110102000000"


def test_every_rename_leaves_only_todays_division(gaz):
    for rename in read_renames():
        assert rename.old_code not in gaz.regions, rename
        today = gaz.get(rename.old_code)  # an old code still finds the division
        assert today is not None and today.code == rename.new_code == gaz.current_code(
            rename.old_code
        )
        assert today.name_zh == rename.new_name_zh
    pidu = gaz.get("510117000000")
    assert (pidu.name_en, pidu.aliases) == ("Pidu District", ("Pi",))
    assert gaz.get("510124000000") is pidu


def test_apply_renames_renames_merges_and_keeps_what_cpca_already_has():
    cpca = [
        ("510124000000", "郫县", "103.9", "30.8"),
        ("110101000000", "东城区", "116.4", "39.9"),
        ("110103000000", "崇文区", "116.4", "39.9"),
        ("510116000000", "双流区", "103.9", "30.6"),
    ]
    renames = [
        Rename("510124000000", "郫县", "Pi County", "510117000000", "郫都区", 2016, "renamed"),
        Rename(
            "110103000000", "崇文区", "Chongwen District", "110101000000", "东城区", 2010, "merged"
        ),
        # cpca already lists the new division: the old one is dropped, never duplicated.
        Rename(
            "510122000000", "双流县", "Shuangliu County", "510116000000", "双流区", 2015, "renamed"
        ),
    ]
    rows, old_names = apply_renames(cpca, renames)
    assert rows == [
        ("110101000000", "东城区", "116.4", "39.9"),
        ("510116000000", "双流区", "103.9", "30.6"),
        ("510117000000", "郫都区", "103.9", "30.8"),
    ]
    assert old_names == {
        "510117000000": ["Pi County"],
        "110101000000": ["Chongwen District"],
        "510116000000": ["Shuangliu County"],
    }
