"""A stand-in for dbt's ``adapter`` so sqlfluff's jinja templater can render models.

sqlfluff lints with the plain jinja templater (the dbt templater needs a live
warehouse connection). Dispatched macros then render as a call to a function
of the same name: enough for sqlfluff to parse and lint the surrounding SQL.
"""


def dispatch(macro_name, macro_namespace=None):
    def render(*args, **kwargs):
        return f"{macro_name}({', '.join(str(a) for a in args[:1])})"

    return render
