"""The policy document as data: YAML in and out, and errors that name the line or the field at fault."""

from __future__ import annotations

import pytest

from patrimoine import InputError
from patrimoine.classify.sensitivity import SensitivityRules
from patrimoine.policy import DEFAULT, STRATEGIES, PolicyDocument, from_yaml, to_yaml
from patrimoine.policy.document import Discovery, MaskRule, RowFilterRule
from patrimoine.policy.service import check_document

RULES = SensitivityRules()


def test_default_round_trips_through_yaml() -> None:
    text = to_yaml(DEFAULT)
    assert from_yaml(text) == DEFAULT
    assert to_yaml(from_yaml(text)) == text
    assert "label: nir\n  strategy: pseudonymise" in text and "level:" not in text  # unset fields are left out
    check_document(DEFAULT, RULES)


def test_a_full_document_round_trips() -> None:
    document = PolicyDocument(
        discover=Discovery(default="readable", anonymous="all"),
        owners_read_clear=False,
        masks=[
            MaskRule(level="secret", strategy="redact"),
            MaskRule(label="email", level="restreint", strategy="month"),
        ],
        default_mask="bracket",
        row_filters=[
            RowFilterRule(tables="dgfip.*", rule="code_departement IN user.departements", exempt_roles=["admin"]),
            RowFilterRule(rule="department = user.department", exempt_roles=[]),
        ],
    )
    assert from_yaml(to_yaml(document)) == document
    check_document(document, RULES)


def test_an_empty_mapping_is_the_built_in_shape() -> None:
    document = from_yaml("{}\n")
    assert document.masks == [] and document.default_mask == "redact" and document.owners_read_clear
    assert document.discover == Discovery(default="all", anonymous="readable")


def test_row_filter_rules_are_parsed() -> None:
    assert RowFilterRule(rule="code_departement in user.departements").parts == (
        "code_departement",
        "IN",
        "departements",
    )
    assert RowFilterRule(rule="  dep = user.department ").parts == ("dep", "=", "department")
    assert RowFilterRule(rule="x IN user.y").exempt_roles == ["admin", "data_officer"]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("masks: [\n  - label: nir\n    strategy: redact\n", 2, "invalid YAML: expected the node content"),
        ("discover:\n  default: all\n anonymous: all\n", 3, "invalid YAML"),
        ("masks:\n  - label: nir\n\tstrategy: redact\n", 3, "invalid YAML"),
        ("masks:\n  - {label: nir, strategy: redact}\nowners_read_clear: true\nmasks: []\n", 4, "'masks' given twice"),
        ("masks:\n  - {label: nir, strategy: redact, strategy: month}\n", 2, "'strategy' given twice"),
    ],
)
def test_bad_yaml_names_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        from_yaml(text, "policy.yaml")
    assert caught.value.line == line
    assert str(caught.value).startswith(f"policy.yaml, line {line}: invalid YAML: ")


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("maskss: []\n", "maskss", "unknown key 'maskss'"),
        ("masks:\n  - labell: nir\n    strategy: redact\n", "masks.0.labell", "unknown key 'labell'"),
        ("discover: {default: all, anonymus: all}\n", "discover.anonymus", "unknown key 'anonymus'"),
        (
            "masks:\n  - label: nir\n    strategy: hash\n",
            "masks.0.strategy",
            "Input should be 'redact', 'pseudonymise'",
        ),
        ("masks:\n  - label: nir\n", "masks.0.strategy", "Field required"),
        ("default_mask: blur\n", "default_mask", "Input should be 'redact'"),
        ("discover: {default: some}\n", "discover.default", "Input should be 'all' or 'readable'"),
        ("owners_read_clear: maybe\n", "owners_read_clear", "valid boolean"),
        (
            "row_filters:\n  - rule: code_departement LIKE user.departements\n",
            "row_filters.0.rule",
            "'code_departement LIKE user.departements' is not `column IN user.attribute`",
        ),
        ("row_filters:\n  - rule: dep IN departements\n", "row_filters.0.rule", "is not `column IN user.attribute`"),
        ("row_filters:\n  - tables: '*'\n", "row_filters.0.rule", "Field required"),
        ("masks: {label: nir}\n", "masks", "valid list"),
    ],
)
def test_bad_documents_name_the_field(text: str, field: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        from_yaml(text, "policy.yaml")
    assert caught.value.column == field
    assert str(caught.value).startswith(f"policy.yaml, column {field}: ")


@pytest.mark.parametrize("text", ["", "- masks\n", "just words\n", "42\n"])
def test_a_policy_is_a_mapping(text: str) -> None:
    with pytest.raises(InputError, match="a policy is a mapping"):
        from_yaml(text)


def test_yaml_cannot_build_python_objects() -> None:
    with pytest.raises(InputError, match="invalid YAML"):
        from_yaml("masks: !!python/object/apply:os.system ['true']\n")


def test_strategies_are_the_ones_masks_know() -> None:
    from patrimoine.policy.masks import mask_sql

    for strategy in STRATEGIES:
        assert mask_sql(strategy, "x", "VARCHAR", b"key")
        MaskRule(label="nir", strategy=strategy)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown mask strategy"):
        mask_sql("blur", "x", "VARCHAR", b"key")


@pytest.mark.parametrize(
    ("document", "field", "message"),
    [
        (PolicyDocument(masks=[MaskRule(label="nirr", strategy="redact")]), "masks.0.label", "unknown label 'nirr'"),
        (
            PolicyDocument(
                masks=[MaskRule(label="nir", strategy="redact"), MaskRule(level="cosmic", strategy="redact")]
            ),
            "masks.1.level",
            "level 'cosmic' is not one of public, interne, restreint, secret",
        ),
        (PolicyDocument(masks=[MaskRule(strategy="redact")]), "masks.0", "names a label or a level"),
        (
            PolicyDocument(
                row_filters=[RowFilterRule(rule="dep IN user.departements", exempt_roles=["admin", "king"])]
            ),
            "row_filters.0.exempt_roles",
            "unknown role 'king'",
        ),
    ],
)
def test_check_document_refuses_unknown_names(document: PolicyDocument, field: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        check_document(document, RULES)
    assert caught.value.column == field


def test_check_document_knows_referential_codes_and_the_configured_scale() -> None:
    check_document(PolicyDocument(masks=[MaskRule(label="cog_departement", strategy="departement")]), RULES)
    scale = SensitivityRules(levels=("ouvert", "ferme"), label_levels={}, regime_levels={})
    check_document(PolicyDocument(masks=[MaskRule(level="ferme", strategy="redact")]), scale)
    with pytest.raises(InputError, match="level 'secret' is not one of ouvert, ferme"):
        check_document(PolicyDocument(masks=[MaskRule(level="secret", strategy="redact")]), scale)
