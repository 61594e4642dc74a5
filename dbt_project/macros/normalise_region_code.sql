{#
    Division codes arrive as 6-digit county codes (statistics tables) or
    12-digit codes (the gazetteer, the extractor). Right-padding with zeros
    gives the 12-digit form for both; anything that is not 6 to 12 digits is
    not a code and becomes null rather than a wrong join key.
    translate() rather than a regex: it behaves the same on every target.
#}
{% macro normalise_region_code(expression) -%}
    case
        when
            length(trim({{ expression }})) between 6 and 12
            and translate(trim({{ expression }}), '0123456789', '') = ''
            then rpad(trim({{ expression }}), 12, '0')
    end
{%- endmacro %}
