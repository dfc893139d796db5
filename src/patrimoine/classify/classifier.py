"""classify_column: which sensitive or typed contents a column holds, judged on a sample of its values."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from patrimoine.classify import labels as L
from patrimoine.classify import names
from patrimoine.classify.detectors import DETECTORS, Detector, Form
from patrimoine.classify.sample import ColumnValues, sample_strings

EXAMPLES = 3
# Below this share of values a detector that the name does not suggest is not worth a line in `rejected`.
_NOTEWORTHY = 0.5


@dataclass(frozen=True)
class Finding:
    label: str
    confidence: float  # 0..1; 0 for rejected findings
    evidence: str
    examples: list[str] = field(default_factory=list)  # masked


@dataclass(frozen=True)
class Classification:
    findings: list[Finding]  # best first
    rejected: list[Finding]  # labels considered and turned down, each with its reason


def classify_column(name: str, values: ColumnValues) -> Classification:
    """Label a column from its name and values; never raises on odd values (nulls, garbage, huge cells, mixed types)."""
    sample = sample_strings(values)
    if len(sample) == 0:
        return Classification([], [])
    name_tokens = names.tokens(name)
    forms = _Forms(sample)
    best: dict[str, Finding] = {}
    rejected: list[Finding] = []
    for detector in DETECTORS:
        named = names.matches(name_tokens, detector.hints, detector.excluded)
        if detector.name_required and not named:
            continue
        accepted, finding = _run(detector, forms, name, named)
        if finding is None:
            continue
        if not accepted:
            rejected.append(finding)
        elif detector.label not in best or finding.confidence > best[detector.label].confidence:
            best[detector.label] = finding
    findings, superseded = _resolve(sorted(best.values(), key=lambda f: -f.confidence))
    rejected.extend(superseded)
    # A reason to reject a label that another detector accepted is noise.
    rejected = [r for r in rejected if r.label not in {f.label for f in findings}]
    return Classification(findings, rejected)


def _run(detector: Detector, forms: _Forms, name: str, named: bool) -> tuple[bool, Finding | None]:
    values = forms.get(detector.form)
    n = len(values)
    threshold = detector.name_threshold if named else detector.threshold
    candidates = values.filter(pc.match_substring_regex(values, detector.pattern))
    if not named and len(candidates) < _NOTEWORTHY * n:
        return False, None  # the cheap prefilter already rules it out: skip the per-value checks
    if detector.value_range is not None and len(candidates):
        low, high = detector.value_range
        numbers = pc.cast(candidates, pa.float64())
        candidates = candidates.filter(pc.and_(pc.greater_equal(numbers, low), pc.less_equal(numbers, high)))
    passing = candidates.to_pylist()
    if detector.validate is not None:
        passing = [v for v in passing if _safe(detector, v)]
    rate = len(passing) / n
    share = f"{rate * 100:.1f} % of {n:,} sampled values {detector.what}"
    if rate < threshold:
        why = f"column name '{name}' suggests {detector.label} but only " if named else "only "
        return False, Finding(detector.label, 0.0, f"{why}{share} (needs {threshold * 100:.0f} %)")
    confidence = rate * (1.0 if named else 0.9) * min(1.0, 0.5 + n / 20)  # few values, little certainty
    evidence = share + (f"; column name '{name}' matches" if named else "")
    examples = [detector.mask(v) for v in passing[:EXAMPLES]]
    return True, Finding(detector.label, round(confidence, 3), evidence, examples)


def _safe(detector: Detector, value: str) -> bool:
    assert detector.validate is not None
    try:
        return detector.validate(value)
    except Exception:  # a checksum library must not bring the classifier down on an odd value
        return False


def _resolve(findings: list[Finding]) -> tuple[list[Finding], list[Finding]]:
    """Keep every identifier, but at most one measure and none once an identifier holds."""
    identifiers = [f for f in findings if f.label not in L.MEASURES]
    measures = [f for f in findings if f.label in L.MEASURES]
    kept = identifiers or measures[:1]
    winner = kept[0].label if kept else ""
    dropped = [Finding(f.label, 0.0, f"superseded by {winner}: {f.evidence}") for f in findings if f not in kept]
    return kept, dropped


class _Forms:
    """The sample under each normalised form, computed once per column and only when a detector asks."""

    def __init__(self, sample: pa.Array) -> None:
        self._text = sample
        self._cache: dict[Form, pa.Array] = {"text": sample}

    def get(self, form: Form) -> pa.Array:
        if form not in self._cache:
            if form == "compact":
                value = pc.replace_substring_regex(pc.utf8_upper(self._text), r"[\s.\-/]+", "")
            else:
                value = pc.replace_substring_regex(self._text, r"(\d)[\s\x{a0}\x{202f}]+(\d)", r"\1\2")
                value = pc.replace_substring(value, ",", ".")
            self._cache[form] = value
        return self._cache[form]
