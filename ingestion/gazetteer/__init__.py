"""China's administrative divisions with English names, and name lookup.

``load_gazetteer()`` reads ``data/regions.csv`` (rebuilt by
``python -m ingestion.gazetteer.build``); ``Gazetteer.resolve`` turns an English
mention into a 12-digit division code when the text makes it unambiguous.
"""

from ingestion.gazetteer.lookup import Gazetteer, Region, Resolution, fold, load_gazetteer
from ingestion.gazetteer.organisations import find_organisations, is_organisation_name

__all__ = [
    "Gazetteer",
    "Region",
    "Resolution",
    "find_organisations",
    "fold",
    "is_organisation_name",
    "load_gazetteer",
]
