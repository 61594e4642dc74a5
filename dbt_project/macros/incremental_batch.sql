{#
    The rows an incremental staging model reads on an incremental run: every
    source row of each `group_key` (an article) that has a row loaded at or
    after the newest `loaded_at` already in the model, or a row whose
    `row_key` the model does not hold yet.

    - Whole groups, because the model is delete+insert on `group_key`: all
      facts of a re-extracted article replace all its old facts, so a fact
      the new extraction no longer finds disappears.
    - `>=` the watermark, not `>`: rows sharing the newest timestamp are
      read again rather than lost; delete+insert makes reading twice harmless.
    - The key anti-join lands a row whatever its timestamp: an article loaded
      late with an old `parsed_at`, rows restored from a backup, a clock that
      went back. Comparing keys is cheap next to re-reading article text.
    - `var('incremental_lookback_minutes')` widens the window, for loaders on
      clocks other than the warehouse's (the project's loader is the one
      writer, so 0 is enough for it).

    On a first build or with --full-refresh, is_incremental() is false and
    the model reads everything.
#}
{% macro incremental_batch(relation, loaded_at, group_key, row_key) -%}
    {%- if is_incremental() %}
        where {{ group_key }} in (
            select batch.{{ group_key }}
            from {{ relation }} as batch
            where
                batch.{{ loaded_at }} >= (
                    select max(built.{{ loaded_at }})
                    from {{ this }} as built
                ) - interval '{{ var("incremental_lookback_minutes", 0) | int }} minutes'
                or batch.{{ row_key }} not in (
                    select built.{{ row_key }} from {{ this }} as built
                )
        )
    {%- endif %}
{%- endmacro %}


{#
    Facts whose article was extracted again after them are stale: the loader
    (ingestion/load/facts.py) replaces all facts of an article in one
    transaction and records the run in raw.extraction_runs. An article
    re-extracted to no facts at all has no row in the batch, so delete+insert
    cannot remove its old facts; this post-hook does. On a build from
    scratch it finds nothing to delete.
#}
{% macro delete_superseded_facts() -%}
    delete from {{ this }}
    where fact_id in (
        select built.fact_id
        from {{ this }} as built
        inner join {{ source('raw', 'extraction_runs') }} as runs
            on built.article_id = runs.article_id
        where runs.extracted_at > built.extracted_at
    )
{%- endmacro %}
