"""The four dashboards, as code: datasets (SQL on the published marts), charts, layouts.

Plain data and pure functions (standard library only), so both the Superset
side (``bi.importer``, in ``.venv-bi``) and the tests (in the project venv)
read the same definitions. ``form_data`` is what Superset's web page draws
from; ``query_context`` is what ``/api/v1/chart/<id>/data/`` answers from --
both are made here from one :class:`Chart`, so they ask the same question.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

DATABASE_NAME = "Assistance marts (published)"

# The label the county filter selects on: English and Chinese name, as two counties
# in different provinces can share an English name.
_COUNTY_LABEL = "{r}.name_en || ' (' || {r}.name_zh || ')'"


def _county_label(alias: str) -> str:
    return _COUNTY_LABEL.format(r=alias)


@dataclass(frozen=True)
class Dataset:
    """A virtual dataset: one SQL select on the published marts."""

    name: str
    sql: str
    description: str


DATASETS: tuple[Dataset, ...] = (
    Dataset(
        "bi_pairings",
        f"""
select p.pairing_key, p.helper_name, p.helper_kind, p.helped_name, p.helped_code,
       coalesce(p.mechanism, 'not reported') as mechanism,
       coalesce(prov.name_en, 'unknown') as province,
       case when r.level = 'county' then {_county_label("r")} end as county,
       p.first_year, p.last_year, p.article_count
from mart_pairings p
left join dim_region r on r.region_code = p.helped_code
left join dim_region prov on prov.region_code = r.province_code
""",
        "Helper -> helped place (mart_pairings), with the helped place's province.",
    ),
    Dataset(
        "bi_funds",
        f"""
select f.fund_key, coalesce(f.payer_name, 'not reported') as payer, f.payer_kind,
       f.region_name as recipient, f.region_code,
       case when r.level = 'county' then {_county_label("r")} end as county,
       f.year, f.year_from, f.period_kind, f.measure, f.amount_cny, f.article_count
from mart_funds f
left join dim_region r on r.region_code = f.region_code
""",
        "Distinct funds (mart_funds) with the recipient county's label.",
    ),
    Dataset(
        "bi_county_funds",
        f"""
select r.region_code, {_county_label("r")} as county,
       coalesce(pref.name_en, 'unknown') as prefecture,
       r.longitude, r.latitude, f.amount_cny, f.year, f.payer_name
from mart_funds f
join dim_region r on r.region_code = f.region_code
left join dim_region pref on pref.region_code = r.prefecture_code
where r.level = 'county' and r.longitude is not null and r.latitude is not null
""",
        "Funds to counties with the county's coordinates (dim_region), for the map.",
    ),
    Dataset(
        "bi_exits",
        f"""
select x.exit_key, x.region_name, x.region_code,
       case when r.level = 'county' then {_county_label("r")} end as county,
       x.level, x.year, x.period_kind, x.exited, x.total, x.remaining, x.rate_pct,
       x.article_count
from mart_poverty_exits x
left join dim_region r on r.region_code = x.region_code
""",
        "Distinct exit figures (mart_poverty_exits).",
    ),
    Dataset(
        "bi_county_profile",
        f"""
select c.region_code, {_county_label("c")} as county, c.prefecture_name, c.province_name,
       c.helpers, c.helper_count, c.single_year_funds_cny, c.funds_by_year,
       c.output_value_cny, c.output_value_year, c.poverty_exit_year,
       c.is_sichuan_underdeveloped, c.source_article_count
from mart_county_profile c
""",
        "One row per assisted county (mart_county_profile).",
    ),
    Dataset(
        "bi_outputs",
        f"""
select o.output_key, o.region_name, {_county_label("r")} as county, o.product, o.year,
       o.planting_area_mu, o.output_volume_tonnes, o.output_value_cny, o.sales_cny,
       o.has_conflicting_values, o.article_count
from mart_output_value o
left join dim_region r on r.region_code = o.region_code and r.level = 'county'
""",
        "Place x product x year outputs (mart_output_value).",
    ),
    Dataset(
        "bi_evidence",
        f"""
with mart_rows as (
    select 'mart_funds' as mart_name, fund_key as mart_key, region_code from mart_funds
    union all
    select 'mart_pairings', pairing_key, helped_code from mart_pairings
    union all
    select 'mart_output_value', output_key, region_code from mart_output_value
    union all
    select 'mart_poverty_exits', exit_key, region_code from mart_poverty_exits
)
select e.evidence_key, e.mart_name, e.mart_key, e.measure, e.evidence,
       e.url, e.title, e.published_date,
       {_county_label("r")} as county,
       '<a href="' || replace(e.url, '"', '%22') || '" target="_blank" rel="noopener">'
           || coalesce(nullif(e.title, ''), e.url) || '</a>' as article
from mart_fact_evidence e
join mart_rows m on m.mart_name = e.mart_name and m.mart_key = e.mart_key
join dim_region r on r.region_code = m.region_code and r.level = 'county'
""",
        "The sentence behind each county's mart rows (mart_fact_evidence), linked to its article.",
    ),
)


def sql_metric(expression: str, label: str) -> dict[str, Any]:
    return {"expressionType": "SQL", "sqlExpression": expression, "label": label}


def where(expression: str) -> dict[str, Any]:
    return {"expressionType": "SQL", "sqlExpression": expression, "clause": "WHERE"}


@dataclass(frozen=True)
class Chart:
    """One chart: the question (columns, metrics, filter, order) and how it is drawn."""

    key: str
    name: str
    dataset: str
    viz_type: str
    columns: tuple[str, ...] = ()
    metrics: tuple[dict[str, Any], ...] = ()
    where: str | None = None
    orderby: tuple[tuple[str, bool], ...] = ()  # (column or metric label, ascending)
    row_limit: int = 10000
    params: dict[str, Any] = field(default_factory=dict)  # viz-specific form data
    width: int = 6
    height: int = 60

    def form_data(self, dataset_id: int) -> dict[str, Any]:
        data: dict[str, Any] = {
            "viz_type": self.viz_type,
            "datasource": f"{dataset_id}__table",
            "adhoc_filters": [where(self.where)] if self.where else [],
            "row_limit": self.row_limit,
        }
        data.update(self.params)
        return data

    def query(self) -> dict[str, Any]:
        """The query object Superset runs for ``/api/v1/chart/<id>/data/``."""
        metric_by_label = {m["label"]: m for m in self.metrics}
        return {
            "columns": list(self.columns),
            # None, not []: a list (even empty) makes Superset group by the columns, so a
            # raw table would show two equal rows as one; the table page sends none either.
            "metrics": list(self.metrics) if self.metrics else None,
            "filters": [],
            "extras": {"where": f"({self.where})" if self.where else "", "having": ""},
            "orderby": [[metric_by_label.get(c, c), asc] for c, asc in self.orderby],
            "row_limit": self.row_limit,
            "is_timeseries": False,
        }

    def query_context(self, dataset_id: int) -> dict[str, Any]:
        return {
            "datasource": {"id": dataset_id, "type": "table"},
            "force": False,
            "queries": [self.query()],
            "form_data": self.form_data(dataset_id),
            "result_format": "json",
            "result_type": "full",
        }


@dataclass(frozen=True)
class NativeFilter:
    key: str
    name: str
    dataset: str
    column: str
    required: bool = False  # a county page always shows one county
    # Chosen at import from the published marts (a filter's "first item" is only
    # selected, not applied, when a dashboard opens): one value, or None.
    default_sql: str | None = None


@dataclass(frozen=True)
class Dashboard:
    slug: str
    title: str
    intro: str
    charts: tuple[Chart, ...]
    filters: tuple[NativeFilter, ...] = ()


_REPORTS = sql_metric("SUM(article_count)", "reports")
_FUNDS = sql_metric("SUM(amount_cny)", "funds (yuan)")
_BAR = {
    "x_axis_sort_asc": True,
    "stack": "Stack",
    "show_legend": True,
    "legendOrientation": "top",
    "y_axis_format": "SMART_NUMBER",
    "truncateYAxis": False,
    "rich_tooltip": True,
}


def _bar(x_axis: str, groupby: tuple[str, ...], metric: dict[str, Any]) -> dict[str, Any]:
    return {
        **_BAR,
        "x_axis": x_axis,
        "groupby": list(groupby),
        "metrics": [metric],
        "xAxisForceCategorical": True,
    }


def _raw_table(columns: tuple[str, ...], order: tuple[str, bool] | None) -> dict[str, Any]:
    return {
        "query_mode": "raw",
        "all_columns": list(columns),
        "order_by_cols": [json.dumps(list(order))] if order else [],
        "server_pagination": False,
        "allow_render_html": True,
        "show_cell_bars": False,
        "include_search": False,
        "table_timestamp_format": "%Y-%m-%d",
    }


def _aggregate_table(groupby: tuple[str, ...], metric: dict[str, Any]) -> dict[str, Any]:
    return {
        "query_mode": "aggregate",
        "groupby": list(groupby),
        "metrics": [metric],
        "timeseries_limit_metric": metric,
        "order_desc": True,
        "show_cell_bars": False,
        "server_pagination": False,
        "include_search": False,
    }


_PAIRING_COLUMNS = (
    "helper_name",
    "helper_kind",
    "helped_name",
    "mechanism",
    "province",
    "first_year",
    "last_year",
    "article_count",
)
_HELPER_COLUMNS = (
    "helper_name",
    "helper_kind",
    "mechanism",
    "first_year",
    "last_year",
    "article_count",
)
_OUTPUT_COLUMNS = (
    "product",
    "year",
    "planting_area_mu",
    "output_volume_tonnes",
    "output_value_cny",
    "sales_cny",
)
_EVIDENCE_COLUMNS = ("mart_name", "measure", "evidence", "article", "published_date")

WHO_HELPS_WHOM = Dashboard(
    slug="who-helps-whom",
    title="Who helps whom",
    intro="Helpers (provinces, cities, enterprises, bureaus) and the places they help. "
    "Edge width: number of reports. Filter by mechanism and by the helped place's province.",
    charts=(
        Chart(
            "pairing_network",
            "Pairing network",
            "bi_pairings",
            "graph_chart",
            columns=("helper_name", "helped_name", "helper_kind"),
            metrics=(_REPORTS,),
            params={
                "source": "helper_name",
                "target": "helped_name",
                "source_category": "helper_kind",
                "metric": _REPORTS,
                "layout": "force",
                "edgeSymbol": "none,arrow",
                "edgeLength": 160,
                "gravity": 0.2,
                "repulsion": 400,
                "friction": 0.2,
                "roam": True,
                "draggable": False,
                "selectedMode": "single",
                "showSymbolThreshold": 0,
                "baseNodeSize": 16,
                "baseEdgeWidth": 2,
                "show_legend": True,
                "legendOrientation": "top",
            },
            width=12,
            height=90,
        ),
        Chart(
            "pairings_table",
            "Pairings",
            "bi_pairings",
            "table",
            columns=_PAIRING_COLUMNS,
            orderby=(("article_count", False),),
            row_limit=500,
            params=_raw_table(_PAIRING_COLUMNS, ("article_count", False)),
            width=12,
            height=50,
        ),
    ),
    filters=(
        NativeFilter("mechanism", "Mechanism", "bi_pairings", "mechanism"),
        NativeFilter("province", "Province helped", "bi_pairings", "province"),
    ),
)

WHERE_THE_MONEY_WENT = Dashboard(
    slug="where-the-money-went",
    title="Where the money went",
    intro="Funds reported for assisted places. The map places each county at its "
    "dim_region coordinates (bubble size: funds); no map tiles are needed.",
    charts=(
        Chart(
            "county_funds_map",
            "Funds by county (longitude x latitude)",
            "bi_county_funds",
            "bubble_v2",
            columns=("county", "prefecture"),
            metrics=(
                sql_metric("MAX(longitude)", "longitude"),
                sql_metric("MAX(latitude)", "latitude"),
                _FUNDS,
            ),
            orderby=(("funds (yuan)", False),),
            params={
                "entity": "county",
                "series": "prefecture",
                "x": sql_metric("MAX(longitude)", "longitude"),
                "y": sql_metric("MAX(latitude)", "latitude"),
                "size": _FUNDS,
                "max_bubble_size": "40",
                "x_axis_label": "longitude",
                "y_axis_label": "latitude",
                "xAxisFormat": ".2f",
                "y_axis_format": ".2f",
                "show_legend": True,
                "legendOrientation": "top",
                "truncateXAxis": True,
                "truncateYAxis": True,
            },
            width=12,
            height=80,
        ),
        Chart(
            "funds_by_year_payer",
            "Funds by year and payer (single-year figures)",
            "bi_funds",
            "echarts_timeseries_bar",
            columns=("year", "payer"),
            metrics=(_FUNDS,),
            where="period_kind = 'single_year' and year is not null",
            orderby=(("year", True), ("payer", True)),
            params=_bar("year", ("payer",), _FUNDS),
            width=7,
        ),
        Chart(
            "top_recipients",
            "Top recipients",
            "bi_funds",
            "table",
            columns=("recipient",),
            metrics=(_FUNDS,),
            orderby=(("funds (yuan)", False),),
            row_limit=15,
            params=_aggregate_table(("recipient",), _FUNDS),
            width=5,
        ),
    ),
)

_EXITED = sql_metric("SUM(exited)", "exited")
_COUNTIES = sql_metric("COUNT(*)", "counties")

LEAVING_POVERTY = Dashboard(
    slug="leaving-poverty",
    title="Leaving poverty",
    intro="Exit figures by year and level (county, village, household, person; log scale), "
    "and the assisted counties by the year they left the poverty-county list.",
    charts=(
        Chart(
            "exits_by_year_level",
            "Exits by year and level",
            "bi_exits",
            "echarts_timeseries_bar",
            columns=("year", "level"),
            metrics=(_EXITED,),
            where="year is not null",
            orderby=(("year", True), ("level", True)),
            params={**_bar("year", ("level",), _EXITED), "stack": None, "logAxis": True},
            width=7,
        ),
        Chart(
            "counties_by_exit_year",
            "Assisted counties by exit year",
            "bi_county_profile",
            "echarts_timeseries_bar",
            columns=("poverty_exit_year",),
            metrics=(_COUNTIES,),
            where="poverty_exit_year is not null",
            orderby=(("poverty_exit_year", True),),
            params=_bar("poverty_exit_year", (), _COUNTIES),
            width=5,
        ),
        Chart(
            "county_exit_years",
            "Counties and their exit year",
            "bi_county_profile",
            "table",
            columns=("county", "prefecture_name", "poverty_exit_year"),
            orderby=(("poverty_exit_year", True),),
            row_limit=1000,
            params=_raw_table(
                ("county", "prefecture_name", "poverty_exit_year"), ("poverty_exit_year", True)
            ),
            width=12,
            height=50,
        ),
    ),
)

COUNTY_PROFILE = Dashboard(
    slug="county-profile",
    title="County profile",
    intro="Pick a county: its helpers, funds by year, outputs, exit year, and the "
    "sentences each number comes from, linked to the articles.",
    charts=(
        Chart(
            "profile_exit_year",
            "Exit year",
            "bi_county_profile",
            "big_number_total",
            metrics=(sql_metric("MAX(poverty_exit_year)", "exit year"),),
            params={
                "metric": sql_metric("MAX(poverty_exit_year)", "exit year"),
                "y_axis_format": "d",
                "subheader": "left the poverty-county list",
            },
            width=3,
            height=30,
        ),
        Chart(
            "profile_helpers",
            "Helpers",
            "bi_pairings",
            "table",
            columns=("county", *_HELPER_COLUMNS),
            orderby=(("article_count", False),),
            row_limit=200,
            params=_raw_table(_HELPER_COLUMNS, ("article_count", False)),
            width=9,
            height=30,
        ),
        Chart(
            "profile_funds_by_year",
            "Funds by year",
            "bi_funds",
            "echarts_timeseries_bar",
            columns=("county", "year", "payer"),
            metrics=(_FUNDS,),
            where="period_kind = 'single_year' and year is not null and county is not null",
            orderby=(("year", True), ("payer", True)),
            params=_bar("year", ("payer",), _FUNDS),
            width=6,
            height=50,
        ),
        Chart(
            "profile_outputs",
            "Outputs",
            "bi_outputs",
            "table",
            columns=("county", *_OUTPUT_COLUMNS),
            orderby=(("year", True),),
            row_limit=500,
            params=_raw_table(_OUTPUT_COLUMNS, ("year", True)),
            width=6,
            height=50,
        ),
        Chart(
            "profile_evidence",
            "Evidence: the sentences behind the numbers",
            "bi_evidence",
            "table",
            columns=("county", *_EVIDENCE_COLUMNS),
            orderby=(("published_date", False),),
            row_limit=500,
            params=_raw_table(_EVIDENCE_COLUMNS, ("published_date", False)),
            width=12,
            height=70,
        ),
    ),
    filters=(
        NativeFilter(
            "county",
            "County",
            "bi_county_profile",
            "county",
            required=True,
            # The fullest page to open on: most of exit year, funds, outputs and
            # helpers known, then the most reported.
            default_sql=f"select {_county_label('c')} from mart_county_profile c order by "
            "(c.poverty_exit_year is not null)::int + (c.single_year_funds_cny is not null)::int"
            " + (c.output_value_cny is not null)::int + (c.helper_count > 0)::int desc, "
            "c.source_article_count desc nulls last, c.name_en limit 1",
        ),
    ),
)

DASHBOARDS: tuple[Dashboard, ...] = (
    WHO_HELPS_WHOM,
    WHERE_THE_MONEY_WENT,
    LEAVING_POVERTY,
    COUNTY_PROFILE,
)


def position_json(dashboard: Dashboard, chart_ids: dict[str, int]) -> dict[str, Any]:
    """Superset's layout tree: a markdown intro, then rows of charts (12 columns wide)."""
    layout: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": dashboard.title}},
    }
    rows: list[list[Any]] = [["MARKDOWN-intro"]]
    layout["MARKDOWN-intro"] = {
        "type": "MARKDOWN",
        "id": "MARKDOWN-intro",
        "children": [],
        "meta": {"code": dashboard.intro, "width": 12, "height": 12},
    }
    used = 12
    for chart in dashboard.charts:
        node = f"CHART-{chart.key}"
        if used + chart.width > 12:
            rows.append([])
            used = 0
        rows[-1].append(node)
        used += chart.width
        layout[node] = {
            "type": "CHART",
            "id": node,
            "children": [],
            "meta": {
                "chartId": chart_ids[chart.key],
                "sliceName": chart.name,
                "width": chart.width,
                "height": chart.height,
            },
        }
    for index, children in enumerate(rows):
        row = f"ROW-{index}"
        layout["GRID_ID"]["children"].append(row)
        layout[row] = {
            "type": "ROW",
            "id": row,
            "children": children,
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for child in children:
            layout[child]["parents"] = ["ROOT_ID", "GRID_ID", row]
    return layout


def _default_mask(column: str, value: str | None) -> dict[str, Any]:
    if value is None:
        return {"filterState": {}, "extraFormData": {}, "ownState": {}}
    return {
        "filterState": {"value": [value], "label": value},
        "extraFormData": {"filters": [{"col": column, "op": "IN", "val": [value]}]},
        "ownState": {},
    }


def json_metadata(
    dashboard: Dashboard,
    chart_ids: dict[str, int],
    dataset_ids: dict[str, int],
    defaults: dict[str, str | None] | None = None,
) -> dict[str, Any]:
    defaults = defaults or {}
    filters = [
        {
            "id": f"NATIVE_FILTER-{f.key}",
            "name": f.name,
            "filterType": "filter_select",
            "type": "NATIVE_FILTER",
            "targets": [{"datasetId": dataset_ids[f.dataset], "column": {"name": f.column}}],
            "defaultDataMask": _default_mask(f.column, defaults.get(f.key)),
            "controlValues": {
                "enableEmptyFilter": f.required,
                "defaultToFirstItem": False,
                "multiSelect": not f.required,
                "searchAllOptions": False,
                "inverseSelection": False,
                "sortAscending": True,
            },
            "cascadeParentIds": [],
            "scope": {"rootPath": ["ROOT_ID"], "excluded": []},
            "chartsInScope": [chart_ids[c.key] for c in dashboard.charts],
            "tabsInScope": [],
            "description": "",
        }
        for f in dashboard.filters
    ]
    return {
        "native_filter_configuration": filters,
        "color_scheme": "supersetColors",
        "refresh_frequency": 0,
        "timed_refresh_immune_slices": [],
        "expanded_slices": {},
        "label_colors": {},
        "cross_filters_enabled": False,
    }
