"""The policy document: what is masked and how, which rows each reader sees, who discovers what.

Policies are data: a document stored in versions, exported and imported as YAML. The engine reads only
this document, the sensitivity levels, the user and the grants; nothing else decides a read.
"""

from __future__ import annotations

import re
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from patrimoine.errors import InputError

STRATEGIES = ("redact", "pseudonymise", "month", "departement", "bracket")
# `code_departement IN user.departements` or `department = user.department`: a column, an operator, an attribute
FILTER = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s+(IN|=)\s+user\.([a-z_][a-z0-9_]*)\s*", re.IGNORECASE)


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")  # a misspelt key is an error, not a silent no-op


class MaskRule(Frozen):
    """Mask a column holding `label`, or at `level`, with `strategy` (when the reader may not see it in clear)."""

    label: str | None = None
    level: str | None = None
    strategy: Literal["redact", "pseudonymise", "month", "departement", "bracket"]

    def matches(self, labels: list[str], level: str) -> bool:
        return (self.label is None or self.label in labels) and (self.level is None or self.level == level)


class RowFilterRule(Frozen):
    """Readers of tables matching `tables` (a glob over namespace.table) see only rows where `rule` holds."""

    tables: str = "*"
    rule: str
    exempt_roles: list[str] = Field(default_factory=lambda: ["admin", "data_officer"])

    @field_validator("rule")
    @classmethod
    def _parse(cls, value: str) -> str:
        if not FILTER.fullmatch(value):
            raise ValueError(f"{value!r} is not `column IN user.attribute` or `column = user.attribute`")
        return value

    @property
    def parts(self) -> tuple[str, str, str]:
        """(column, operator, user attribute)."""
        found = FILTER.fullmatch(self.rule)
        assert found is not None  # checked at validation
        return found.group(1), found.group(2).upper(), found.group(3)


class Discovery(Frozen):
    """Who sees a table in the catalogue: `all` (and may ask for access) or only what they may `read`."""

    default: Literal["all", "readable"] = "all"
    anonymous: Literal["all", "readable"] = "readable"


class PolicyDocument(Frozen):
    discover: Discovery = Field(default_factory=Discovery)
    owners_read_clear: bool = True  # a table's owner and steward (by e-mail) read it unmasked
    masks: list[MaskRule] = Field(default_factory=list)
    default_mask: Literal["redact", "pseudonymise", "month", "departement", "bracket"] = "redact"
    row_filters: list[RowFilterRule] = Field(default_factory=list)

    def strategy_for(self, labels: list[str], level: str) -> tuple[str, str]:
        """The mask of a column with these labels at this level, and the rule that chose it."""
        for rule in self.masks:
            if rule.matches(labels, level):
                what = f"label {rule.label}" if rule.label else f"level {rule.level}"
                return rule.strategy, f"mask rule for {what}"
        return self.default_mask, "default mask"


DEFAULT = PolicyDocument(
    masks=[
        MaskRule(label="nir", strategy="pseudonymise"),  # keyed and stable: joins on the person still work
        MaskRule(label="email", strategy="pseudonymise"),
        MaskRule(label="birth_date", strategy="month"),
        MaskRule(label="cog_commune", strategy="departement"),
        MaskRule(label="money_amount", strategy="bracket"),
        MaskRule(label="iban", strategy="redact"),
    ]
)


class _Loader(yaml.SafeLoader):
    """Safe YAML refusing a key given twice: PyYAML keeps the last one silently, so a second `masks:` or
    `row_filters:` would drop the first list of rules without a word."""


def _mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict[object, object]:
    seen: set[tuple[str, str]] = set()
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
            if (key.tag, key.value) in seen:
                raise yaml.constructor.ConstructorError(None, None, f"key {key.value!r} given twice", key.start_mark)
            seen.add((key.tag, key.value))
    return loader.construct_mapping(node, deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def to_yaml(document: PolicyDocument) -> str:
    return yaml.safe_dump(document.model_dump(mode="json", exclude_none=True), sort_keys=False, allow_unicode=True)


def from_yaml(text: str, source: str = "policy") -> PolicyDocument:
    """Parse and check a policy document; errors name the line or the field at fault."""
    try:
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader: no Python objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", file=source, line=line) from None
    if not isinstance(data, dict):
        raise InputError("a policy is a mapping (discover, masks, row_filters, ...)", file=source)
    try:
        return PolicyDocument.model_validate(data, strict=False)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        message = f"unknown key {first['loc'][-1]!r}" if first["type"] == "extra_forbidden" else first["msg"]
        raise InputError(message, file=source, column=where or None) from None
