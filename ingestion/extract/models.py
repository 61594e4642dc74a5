"""The facts an extractor produces: the shape of ``extraction-contract.md``.

Each fact carries the contract's fields plus where it came from: the evidence
sentence, its character offsets in the document text, the extractor version and
a confidence. ``to_contract()`` gives the JSON object the scorer reads;
``to_row()`` gives the flat record the warehouse stores in ``raw.facts_<type>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Literal, TypeVar

T = TypeVar("T")


def evolve(obj: T, **changes: Any) -> T:
    """``dataclasses.replace`` for the extractor's frozen dataclasses, several times faster.

    ``replace`` re-runs ``__init__``, which sets every field through
    ``object.__setattr__``: in the per-mention and per-figure loops that was a few
    per cent of extraction time. These classes have no ``__post_init__``, no
    ``InitVar`` and no ``init=False`` field, so copying the instance dict and applying
    the changes gives an equal object. Unknown field names are refused, as ``replace``
    refuses them.
    """
    cls = type(obj)
    unknown = changes.keys() - _field_names(cls)
    if unknown:
        raise TypeError(f"{cls.__name__} has no field(s) {sorted(unknown)}")
    new = object.__new__(cls)
    state = new.__dict__
    state.update(obj.__dict__)
    state.update(changes)
    return new


_FIELD_NAMES: dict[type, frozenset[str]] = {}
_ORDERED_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _ordered_field_names(cls: type) -> tuple[str, ...]:
    names = _ORDERED_FIELD_NAMES.get(cls)
    if names is None:
        names = _ORDERED_FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def _field_names(cls: type) -> frozenset[str]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = frozenset(f.name for f in fields(cls))
    return names


Mechanism = Literal[
    "east_west_cooperation",
    "counterpart_support",
    "paired_assistance",
    "targeted_assistance",
    "enterprise_assistance",
    "basic_assistance",
    "other",
]
Qualifier = Literal["exact", "at_least", "about", "at_most"]
FundMeasure = Literal["assistance_funds", "investment", "fiscal_funds", "donation"]
OutputMeasure = Literal["output_value", "output_volume", "planting_area", "sales"]
ExitLevel = Literal["county", "village", "household", "person"]

FACT_TYPES = ("pairing", "fund", "output", "exit")

# Words the contract's name matching drops ("Jinniu District" is "jinniu").
DIVISION_AND_COMPANY_WORDS: frozenset[str] = frozenset(
    {
        "county", "district", "city", "prefecture", "province", "autonomous", "region",
        "municipality", "municipal", "town", "township", "village", "the", "of",
        "group", "co", "company", "corporation", "ltd", "limited",
    }
)  # fmt: skip
# The contract also drops the ethnic-group words division names carry ("Liangshan Yi
# Autonomous Prefecture" is "liangshan"). Some are place names too (Dongxiang County), so
# the extractor's own dedupe keys keep them and use DIVISION_AND_COMPANY_WORDS alone.
CONTRACT_NAME_STOPWORDS: frozenset[str] = DIVISION_AND_COMPANY_WORDS | frozenset(
    {
        "yi", "tibetan", "hui", "qiang", "miao", "uygur", "uyghur", "kazak", "kazakh",
        "mongol", "mongolian", "zhuang", "tujia", "buyi", "bouyei", "hani", "lisu", "naxi",
        "kirgiz", "kyrgyz", "salar", "dongxiang", "bonan", "yugur",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Evidence:
    """The sentence a fact was read from, with offsets into the document text."""

    sentence: str
    start_char: int
    end_char: int


@dataclass(frozen=True)
class FactBase:
    """Fields every fact has, whatever its type."""

    type: ClassVar[str]
    # Fields that are provenance, not part of the contract the scorer reads.
    provenance_fields: ClassVar[tuple[str, ...]] = (
        "evidence",
        "extractor_version",
        "confidence",
    )

    doc: str
    evidence: Evidence
    extractor_version: str
    confidence: float

    def _field_values(self) -> list[tuple[str, Any]]:
        # Not dataclasses.asdict: it deep-copies every value and turns Evidence into a
        # dict that both callers throw away; every other field is a scalar. asdict was
        # a tenth of the load stage's time, spent in the one writer process.
        state = self.__dict__
        return [(name, state[name]) for name in _ordered_field_names(type(self))]

    def to_contract(self) -> dict[str, Any]:
        """The fact as one JSON object of the extraction contract (nulls left out)."""
        record: dict[str, Any] = {"doc": self.doc, "type": self.type}
        for name, value in self._field_values():
            if name in ("doc", *self.provenance_fields) or value is None:
                continue
            record[name] = value
        record["evidence"] = self.evidence.sentence
        record["start_char"] = self.evidence.start_char
        record["end_char"] = self.evidence.end_char
        record["extractor_version"] = self.extractor_version
        record["confidence"] = self.confidence
        return record

    def to_row(self) -> dict[str, Any]:
        """The fact as a flat row for ``raw.facts_<type>`` (all columns, nulls kept)."""
        row = {k: v for k, v in self._field_values() if k != "evidence"}
        row["evidence"] = self.evidence.sentence
        row["start_char"] = self.evidence.start_char
        row["end_char"] = self.evidence.end_char
        return row


@dataclass(frozen=True)
class PairingFact(FactBase):
    type: ClassVar[str] = "pairing"

    helper: str = ""
    helped: str = ""
    mechanism: Mechanism | None = None
    year: int | None = None
    helper_code: str | None = None  # 12-digit division code when the helper is a region
    helped_code: str | None = None


@dataclass(frozen=True)
class FundFact(FactBase):
    type: ClassVar[str] = "fund"

    amount_cny: float = 0.0
    qualifier: Qualifier | None = None
    measure: FundMeasure | None = None
    payer: str | None = None
    region: str | None = None
    year: int | None = None
    year_from: int | None = None  # first year of a period ending in ``year``
    region_code: str | None = None


@dataclass(frozen=True)
class OutputFact(FactBase):
    type: ClassVar[str] = "output"

    measure: OutputMeasure = "output_value"
    value: float = 0.0
    qualifier: Qualifier | None = None
    product: str | None = None
    region: str | None = None
    year: int | None = None
    year_from: int | None = None  # first year of a period ending in ``year``
    region_code: str | None = None


@dataclass(frozen=True)
class ExitFact(FactBase):
    type: ClassVar[str] = "exit"

    level: ExitLevel = "county"
    exited: int | None = None
    total: int | None = None
    remaining: int | None = None
    rate_pct: float | None = None
    region: str | None = None
    year: int | None = None
    year_from: int | None = None  # first year of a period ending in ``year``
    region_code: str | None = None


Fact = PairingFact | FundFact | OutputFact | ExitFact

FACT_CLASSES: dict[str, type[FactBase]] = {
    cls.type: cls for cls in (PairingFact, FundFact, OutputFact, ExitFact)
}


@dataclass
class ExtractionResult:
    """What extracting one document gives: its facts, or the reason it failed."""

    doc: str
    facts: list[Fact] = field(default_factory=list)
    error: str | None = None
