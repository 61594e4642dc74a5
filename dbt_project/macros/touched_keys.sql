{#
    Incremental aggregates: rebuild only the keys whose facts changed.

    The deduplicating and conflict models group every fact of the warehouse
    by a key (a dedup key, a subject). Recomputing all groups took most of a
    daily build at 100,000 articles while a day's articles touch a few
    percent of them. So each of these models is incremental, delete+insert on
    its key, and stores with every row a `member_fingerprint`: a hash of all
    the member rows it was computed from (and of what else it reads, see
    `reference_fingerprint`). A build computes the fingerprints again, which
    is a cheap hash aggregation, and recomputes only the keys whose
    fingerprint differs or that are new; a post-hook deletes the keys no fact
    carries any more. Any change to a member row moves the fingerprint: a
    new, re-extracted, corrected or retracted fact; a party or place
    resolved anew; an article's date parsed again.

    dbt has no built-in for this (its incremental predicates filter on
    columns of the target, not on what changed upstream); the staging models'
    batch (macros/incremental_batch.sql) works on load timestamps, which the
    intermediate tables do not carry.
#}

{#
    A 64-bit hash of a row (a relation alias) or of several expressions.
    DuckDB's hash() takes a whole row as a struct; elsewhere 60 bits of the
    md5 of the row's text form, as a bigint.
#}
{% macro row_hash(expressions) -%}
    {{ return(adapter.dispatch("row_hash", "assistance_warehouse")(expressions)) }}
{%- endmacro %}

{% macro duckdb__row_hash(expressions) -%}
    hash({{ expressions | join(", ") }})
{%- endmacro %}

{% macro default__row_hash(expressions) -%}
    {%- set parts = [] -%}
    {%- for expression in expressions -%}
        {%- do parts.append("coalesce(cast(" ~ expression ~ " as text), '_null_')") -%}
    {%- endfor -%}
    cast(cast('x' || left(md5({{ parts | join(" || '|' || ") }}), 15) as bit(60)) as bigint)
{%- endmacro %}

{#
    What a model reads besides its member rows, as one text: the tables
    given as `references` (the gazetteer it names places from), its own code,
    the code of the models it reads and every macro of the project, so a
    changed gazetteer, model or macro recomputes every key once.
#}
{% macro reference_fingerprint(references=[]) -%}
    {#- Only when dbt executes: parsing (and sqlfluff) have no graph or code. -#}
    {%- set code = [] -%}
    {%- if execute -%}
        {%- do code.append(model.raw_code) -%}
        {#- A unit test's graph has no nodes: its inputs are fixed rows. -#}
        {%- set nodes = graph.get("nodes", {}) -%}
        {%- for node_id in model.depends_on.nodes -%}
            {%- set node = nodes.get(node_id) -%}
            {%- if node is not none and node.raw_code -%}
                {%- do code.append(node.raw_code) -%}
            {%- endif -%}
        {%- endfor -%}
        {#- All the project's macros (graph has none, the namespace has): a
            model's depends_on lists only those it calls itself. -#}
        {%- for name in assistance_warehouse.keys() | list | sort -%}
            {%- do code.append(assistance_warehouse[name].macro.macro_sql) -%}
        {%- endfor -%}
    {%- endif -%}
    '{{ local_md5(code | join("\n")) if code else "" }}'
    {%- for reference in references %}
        || '|' || coalesce((
            select cast(sum({{ row_hash(["reference_rows"]) }}) as varchar)
            from {{ reference }} as reference_rows
        ), '')
    {%- endfor -%}
{%- endmacro %}

{#
    One row per key of `members` (a CTE of the rows the model aggregates):
    the key and its member_fingerprint. With `article_dates`, each member's
    article's published date counts too (for models reporting first and
    last dates).
#}
{% macro key_fingerprints(members, key, references=[], article_dates=false) -%}
    {%- set hashed = ["members"] + (["reporting_articles.published_date"] if article_dates else []) -%}
    select
        members.{{ key }},
        cast(sum({{ row_hash(hashed) }}) as varchar)
        || '/' || cast(count(*) as varchar)
        || '/' || {{ reference_fingerprint(references) }} as member_fingerprint
    from {{ members }} as members
    {%- if article_dates %}
    left join {{ ref('stg_articles') }} as reporting_articles
        on members.article_id = reporting_articles.article_id
    {%- endif %}
    where members.{{ key }} is not null
    group by members.{{ key }}
{%- endmacro %}

{#
    The member rows to aggregate in this build: all of them on a build from
    scratch, else those of the keys whose fingerprint is new or differs from
    the one stored with the key's rows.

    `members` is read twice (here and by key_fingerprints), so DuckDB and
    PostgreSQL would materialise the CTE: every fact of the warehouse held in
    memory to keep a few percent of them. The models declare it
    `as not materialized` (both warehouses take it) so each reads the table
    itself: at 100,000 articles the two heaviest of these models, built side by
    side under the one memory limit, took 1.0 and 1.3 s instead of 2.9 and 3.1.
#}
{% macro touched_members(members, key, fingerprints="fingerprints") -%}
    select * from {{ members }}
    {%- if is_incremental() and _has_fingerprints(this) %}
    where {{ key }} in (
        select {{ fingerprints }}.{{ key }}
        from {{ fingerprints }}
        where not exists (
            select 1
            from {{ this }} as built
            where
                built.{{ key }} = {{ fingerprints }}.{{ key }}
                and built.member_fingerprint = {{ fingerprints }}.member_fingerprint
        )
    )
    {%- endif %}
{%- endmacro %}

{#
    A table built before it carried fingerprints is rebuilt whole; dbt then
    stops on the new column (on_schema_change: fail) and says to run
    `python -m ingestion build --full-refresh`, as for any changed columns.
#}
{% macro _has_fingerprints(relation) -%}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute="name") -%}
    {{ return("member_fingerprint" in (columns | map("lower") | list)) }}
{%- endmacro %}

{#
    Post-hook: delete the rows of keys that no member row carries any more
    (every fact of a dedup key retracted, re-extracted away or moved to
    another key). delete+insert replaces only the keys a build returns.
    `current_keys` is a query of the keys that remain.
#}
{% macro delete_vanished_keys(key, current_keys) -%}
    {#- not exists, not `not in`: PostgreSQL runs a `not in` whose keys exceed
        work_mem row by row against the whole list. -#}
    delete from {{ this }} as built
    where not exists (
        select 1
        from ({{ current_keys }}) as current_keys
        where current_keys.{{ key }} = built.{{ key }}
    )
{%- endmacro %}
