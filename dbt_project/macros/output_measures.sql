{#
    The wide columns of mart_output_value: each output measure of the
    extraction contract, the column holding it and that column's unit. The
    extractor already writes values in these units (hectares x 15 -> mu,
    kg / 1,000 and jin / 2,000 -> tonnes, "10,000 yuan" and "100 million
    yuan" scaled -> yuan); the output_measures seed states the same units
    and int_outputs_keyed tests every fact's measure against it.
#}
{% macro output_measure_columns() -%}
    {{ return([
        {"measure": "planting_area", "column": "planting_area_mu", "unit": "mu"},
        {"measure": "output_volume", "column": "output_volume_tonnes", "unit": "tonnes"},
        {"measure": "output_value", "column": "output_value_cny", "unit": "yuan"},
        {"measure": "sales", "column": "sales_cny", "unit": "yuan"},
    ]) }}
{%- endmacro %}
