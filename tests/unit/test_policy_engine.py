"""The policy engine as a pure function: users, table facts and grants built by hand, no store.

The matrix computes what each role, clearance and table level should get from the stated rule (written out here
with its own ranking, never by asking the engine), then checks the engine agrees.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from patrimoine.classify.sensitivity import Decided, SensitivityRules
from patrimoine.model import ColumnSensitivity, Grant, Label, RowFilter, TableSensitivity, User
from patrimoine.people import ROLES
from patrimoine.policy import DEFAULT, PolicyDocument, TableFacts, decide
from patrimoine.policy.document import Discovery, MaskRule, RowFilterRule

RULES = SensitivityRules()
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RANK = {"public": 0, "interne": 1, "restreint": 2, "secret": 3}  # the scale, written out independently
LEVELS = list(RANK)
TABLE = "dgfip.agents"
OWNER = "owner@example.gouv.fr"
STEWARD = "steward@example.gouv.fr"


def label(column: str, name: str, status: str = "confirmed") -> Label:
    return Label(column=column, label=name, confidence=0.99, evidence="test", origin="detected", status=status)


def column(name: str, level: str, *labels: str, reasons: list[str] | None = None) -> ColumnSensitivity:
    return ColumnSensitivity(
        column=name,
        level=level,
        reasons=reasons or [f"test level {level}"],
        labels=[label(name, lab) for lab in labels],
    )


def facts(
    columns: list[ColumnSensitivity],
    *,
    gate: str = "public",
    extra: list[str] | None = None,
    table: str = TABLE,
) -> TableFacts:
    """A table owned by OWNER and stewarded by STEWARD; `extra` columns are read but were never classified."""
    gate_reasons = ["no regime declared, no level set on the table"] if gate == "public" else [f"regime → {gate}"]
    return TableFacts(
        table=table,
        owner=OWNER,
        steward=STEWARD,
        gate=Decided(gate, gate_reasons),
        sensitivity=TableSensitivity(table=table, level=gate, reasons=["test"], columns=columns),
        columns=[c.column for c in columns] + (extra or []),
    )


def user(
    email: str = "analyste@example.gouv.fr",
    clearance: str = "interne",
    roles: tuple[str, ...] = ("analyst",),
    **kwargs: object,
) -> User:
    return User(email=email, clearance=clearance, roles=list(roles), **kwargs)  # type: ignore[arg-type]


def grant(
    n: int = 1,
    *,
    subject: str = "analyste@example.gouv.fr",
    kind: str = "user",
    columns: list[str] | None = None,
    expires: timedelta = timedelta(days=30),
    revoked: bool = False,
    table: str = TABLE,
) -> Grant:
    return Grant(
        id=n,
        subject_kind=kind,
        subject=subject,
        table=table,
        columns=columns,
        purpose="contrôle fiscal",
        legal_basis="LPF L. 81",
        expires_at=NOW + expires,
        granted_by=OWNER,
        granted_at=NOW - timedelta(days=60),
        revoked_by=OWNER if revoked else None,
        revoked_at=NOW - timedelta(days=1) if revoked else None,
    )


# --- The matrix: every role × every clearance × every table level, with a column at every level ------------------

MATRIX_DOCUMENT = PolicyDocument(
    masks=[MaskRule(level="secret", strategy="pseudonymise")],
    default_mask="redact",
    row_filters=[RowFilterRule(rule="dep IN user.departements")],
)
MATRIX_COLUMNS = [column("dep", "public")] + [column(f"c_{level}", level) for level in LEVELS]


@pytest.mark.parametrize("gate", LEVELS)
@pytest.mark.parametrize("clearance", LEVELS)
@pytest.mark.parametrize("role", ROLES)
def test_matrix(role: str, clearance: str, gate: str) -> None:
    reader = user(f"{role}.reader@example.gouv.fr", clearance, (role,), attributes={"departements": ["59", "62"]})
    decision = decide(MATRIX_DOCUMENT, RULES, reader, facts(MATRIX_COLUMNS, gate=gate), [], NOW, policy_version=7)

    # The stated rule: anonymous readers have the lowest clearance whatever is recorded; a table opens when its gate
    # is within the clearance (holding the role `owner` or `steward` is not owning *this* table); anonymous readers
    # discover only what they read, everyone else discovers everything; a column above the clearance is masked,
    # secret ones pseudonymised by the level rule and the others redacted by default; admins and data officers are
    # exempt from row filters.
    effective = "public" if role == "anonymous" else clearance
    read = RANK[gate] <= RANK[effective]
    assert decision.read is read
    assert decision.discover is (read or role != "anonymous")
    assert decision.policy_version == 7 and decision.user == reader.email and decision.table == TABLE
    if not read:
        assert decision.columns == [] and decision.row_filters == []
        assert decision.reasons == [f"table level {gate} (regime → {gate}) above clearance {effective}, no grant"]
        return
    expected = {
        f"c_{level}": ("pseudonymise" if level == "secret" else "redact")
        for level in LEVELS
        if RANK[level] > RANK[effective]
    }
    assert decision.masked == expected
    assert [c.column for c in decision.columns] == ["dep", *(f"c_{level}" for level in LEVELS)]
    assert {c.column: c.level for c in decision.columns} == {"dep": "public"} | {f"c_{lv}": lv for lv in LEVELS}
    if role in ("admin", "data_officer"):
        assert decision.row_filters == []
    else:
        assert decision.row_filters == [
            RowFilter(column="dep", values=["59", "62"], reason="row filter dep IN user.departements → dep in (59, 62)")
        ]


# --- Owners and stewards ----------------------------------------------------------------------------------------------

SENSITIVE = [column("nom", "restreint", "person_name"), column("num_secu", "secret", "nir"), column("n", "public")]


@pytest.mark.parametrize("email", [OWNER, STEWARD])
def test_owner_and_steward_read_in_clear_whatever_their_clearance(email: str) -> None:
    decision = decide(DEFAULT, RULES, user(email, "public"), facts(SENSITIVE, gate="secret"), [], NOW)
    assert decision.read and decision.discover
    assert decision.reasons == [f"{email} is the table's owner or steward"]
    assert decision.masked == {}
    assert all(c.reasons == ["read by the table's owner or steward"] for c in decision.columns)


def test_owners_read_clear_off_makes_owners_ordinary_readers() -> None:
    document = DEFAULT.model_copy(update={"owners_read_clear": False})
    assert not decide(document, RULES, user(OWNER, "public"), facts(SENSITIVE, gate="secret"), [], NOW).read
    decision = decide(document, RULES, user(OWNER, "interne"), facts(SENSITIVE), [], NOW)
    assert decision.masked == {"nom": "redact", "num_secu": "pseudonymise"}


def test_anonymous_reader_is_never_the_owner() -> None:
    reader = user(OWNER, "secret", ("anonymous",))
    decision = decide(DEFAULT, RULES, reader, facts(SENSITIVE, gate="interne"), [], NOW)
    assert not decision.read and not decision.discover


def test_owner_still_gets_unclassified_columns_masked_and_row_filters() -> None:
    document = DEFAULT.model_copy(update={"row_filters": [RowFilterRule(rule="n = user.department")]})
    decision = decide(document, RULES, user(OWNER, "public"), facts(SENSITIVE, extra=["added"]), [], NOW)
    assert decision.masked == {"added": "redact"}  # fail closed, even for the owner
    assert decision.row_filters[0].values == []  # owners are not exempt from row filters by default


# --- Grants -----------------------------------------------------------------------------------------------------------


def test_table_grant_opens_the_gate_and_every_column() -> None:
    g = grant()
    decision = decide(DEFAULT, RULES, user(), facts(SENSITIVE, gate="secret"), [g], NOW)
    assert decision.read
    assert decision.reasons == [
        f"table level secret (regime → secret) above clearance interne, read under {g.describe()}"
    ]
    assert decision.masked == {}
    assert decision.column("num_secu").reasons == [f"level secret above clearance, {g.describe()}"]  # type: ignore[union-attr]
    assert decision.column("n").reasons == ["level public within clearance interne"]  # type: ignore[union-attr]


def test_column_grant_lifts_only_its_columns() -> None:
    g = grant(columns=["num_secu"])
    decision = decide(DEFAULT, RULES, user(), facts(SENSITIVE), [g], NOW)
    assert decision.masked == {"nom": "redact"}
    assert "columns num_secu" in decision.column("num_secu").reasons[0]  # type: ignore[union-attr]


def test_column_grant_opens_a_gated_table_but_masks_the_other_columns() -> None:
    g = grant(columns=["num_secu"])
    decision = decide(DEFAULT, RULES, user(), facts(SENSITIVE, gate="secret"), [g], NOW)
    assert decision.read and "read under grant #1" in decision.reasons[0]
    assert decision.masked == {"nom": "redact"}


@pytest.mark.parametrize(
    ("kwargs", "word"), [({"expires": timedelta(seconds=-1)}, "expired"), ({"revoked": True}, "revoked")]
)
def test_lapsed_grants_are_ignored_and_named(kwargs: dict[str, object], word: str) -> None:
    g = grant(5, **kwargs)  # type: ignore[arg-type]
    closed = decide(DEFAULT, RULES, user(), facts(SENSITIVE, gate="secret"), [g], NOW)
    assert not closed.read
    assert closed.reasons == [
        "table level secret (regime → secret) above clearance interne, no grant",
        f"{g.describe()} has {'been revoked' if word == 'revoked' else 'expired'}",
    ]
    # Within the clearance, a lapsed column grant no longer lifts the mask, and the reader is told why.
    g = grant(6, columns=["num_secu"], **kwargs)  # type: ignore[arg-type]
    opened = decide(DEFAULT, RULES, user(), facts(SENSITIVE), [g], NOW)
    assert opened.read and opened.masked == {"nom": "redact", "num_secu": "pseudonymise"}
    assert any("grant #6" in r and word in r for r in opened.reasons)


def test_grant_expiring_exactly_now_has_lapsed() -> None:
    g = grant(expires=timedelta(0))
    assert not decide(DEFAULT, RULES, user(), facts(SENSITIVE, gate="secret"), [g], NOW).read


def test_an_active_grant_wins_over_a_lapsed_one() -> None:
    grants = [grant(1, revoked=True), grant(2)]
    decision = decide(DEFAULT, RULES, user(), facts(SENSITIVE, gate="secret"), grants, NOW)
    assert decision.read and "grant #2" in decision.reasons[0] and decision.masked == {}


def test_group_grant_serves_the_group_members_only() -> None:
    g = grant(subject="fraude", kind="group")
    member = decide(DEFAULT, RULES, user(groups=["fraude"]), facts(SENSITIVE, gate="secret"), [g], NOW)
    assert member.read and "group fraude" in member.reasons[0] and member.masked == {}
    outsider = decide(DEFAULT, RULES, user(groups=["autre"]), facts(SENSITIVE, gate="secret"), [g], NOW)
    assert not outsider.read


@pytest.mark.parametrize(
    "other",
    [
        grant(subject="quelqu.un@example.gouv.fr"),
        grant(table="dgfip.autre"),
        grant(subject="analyste@example.gouv.fr", kind="group"),
    ],
    ids=["another user", "another table", "a group named like the user"],
)
def test_grants_for_someone_or_something_else_are_ignored(other: Grant) -> None:
    assert not decide(DEFAULT, RULES, user(), facts(SENSITIVE, gate="secret"), [other], NOW).read


# --- Columns ----------------------------------------------------------------------------------------------------------


def test_unknown_column_is_masked_with_the_strictest_rule() -> None:
    decision = decide(DEFAULT, RULES, user("admin@example.gouv.fr", "secret", ("admin",)),
                      facts(SENSITIVE, extra=["nouvelle"]), [grant(subject="admin@example.gouv.fr")], NOW)  # fmt: skip
    found = decision.column("nouvelle")
    assert found is not None
    assert (found.level, found.mask, found.reasons) == ("unknown", "redact", ["column nouvelle not classified"])
    document = PolicyDocument(masks=[MaskRule(level="secret", strategy="pseudonymise")])
    assert decide(document, RULES, user(), facts(SENSITIVE, extra=["nouvelle"]), [], NOW).masked["nouvelle"] == (
        "pseudonymise"
    )


def test_the_reasons_of_a_mask() -> None:
    decision = decide(DEFAULT, RULES, user(), facts(SENSITIVE), [], NOW)
    assert decision.column("num_secu").reasons == [  # type: ignore[union-attr]
        "column num_secu masked (pseudonymise, mask rule for label nir): "
        "label NIR, level secret, clearance interne, no grant"
    ]
    assert decision.column("nom").reasons == [  # type: ignore[union-attr]
        "column nom masked (redact, default mask): label PERSON_NAME, level restreint, clearance interne, no grant"
    ]
    by_hand = column("salaire", "restreint", reasons=["set to restreint by s@example.gouv.fr: salaires"])
    decision = decide(DEFAULT, RULES, user(), facts([by_hand]), [], NOW)
    assert decision.column("salaire").reasons == [  # type: ignore[union-attr]
        "column salaire masked (redact, default mask): set to restreint by s@example.gouv.fr: salaires, "
        "level restreint, clearance interne, no grant"
    ]
    assert decision.reasons == [
        "table level public (no regime declared, no level set on the table) within clearance interne"
    ]


def test_mask_rules_first_match_in_document_order_then_default() -> None:
    col = column("x", "secret", "nir", "email")
    label_first = PolicyDocument(
        masks=[
            MaskRule(label="email", strategy="month"),  # first matching label rule wins over a later one
            MaskRule(label="nir", strategy="pseudonymise"),
            MaskRule(level="secret", strategy="bracket"),
        ],
        default_mask="departement",
    )
    assert decide(label_first, RULES, user(), facts([col]), [], NOW).masked == {"x": "month"}
    assert (
        "mask rule for label email" in decide(label_first, RULES, user(), facts([col]), [], NOW).columns[0].reasons[0]
    )
    level_first = PolicyDocument(masks=[MaskRule(level="secret", strategy="bracket"), *label_first.masks[:2]])
    assert decide(level_first, RULES, user(), facts([col]), [], NOW).masked == {"x": "bracket"}
    both = PolicyDocument(
        masks=[MaskRule(label="nir", level="restreint", strategy="month")], default_mask="departement"
    )
    assert decide(both, RULES, user(), facts([col]), [], NOW).masked == {"x": "departement"}  # both must hold
    nothing = PolicyDocument(masks=[MaskRule(label="iban", strategy="month")], default_mask="bracket")
    decision = decide(nothing, RULES, user(), facts([col]), [], NOW)
    assert decision.masked == {"x": "bracket"} and "(bracket, default mask)" in decision.columns[0].reasons[0]


def test_rejected_labels_do_not_choose_the_mask() -> None:
    col = ColumnSensitivity(
        column="x", level="secret", reasons=["set to secret by s: test"],
        labels=[label("x", "nir", "rejected"), label("x", "email", "suggested")],
    )  # fmt: skip
    decision = decide(DEFAULT, RULES, user(), facts([col]), [], NOW)
    assert decision.masked == {"x": "pseudonymise"}
    assert "mask rule for label email" in decision.columns[0].reasons[0] and "NIR" not in decision.columns[0].reasons[0]


def test_levels_off_the_scale_fail_closed() -> None:
    """The scale is configuration: a stored level or clearance it no longer has must close, not crash."""
    stale = [column("x", "confidentiel"), column("n", "public")]
    decision = decide(DEFAULT, RULES, user(clearance="secret"), facts(stale), [], NOW)
    assert decision.masked == {"x": "redact"}
    assert not decide(DEFAULT, RULES, user(clearance="secret"), facts(stale, gate="confidentiel"), [], NOW).read
    lost = decide(DEFAULT, RULES, user(clearance="tres_secret"), facts(SENSITIVE), [], NOW)
    assert lost.read and lost.masked == {"nom": "redact", "num_secu": "pseudonymise"}  # read as the lowest clearance
    assert not decide(DEFAULT, RULES, user(clearance="tres_secret"), facts(SENSITIVE, gate="interne"), [], NOW).read


# --- Discovery --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("discovery", "analyst", "anonymous"),
    [
        (Discovery(), True, False),
        (Discovery(default="readable"), False, False),
        (Discovery(anonymous="all"), True, True),
    ],
)
def test_discovery_of_unreadable_tables(discovery: Discovery, analyst: bool, anonymous: bool) -> None:
    document = DEFAULT.model_copy(update={"discover": discovery})
    table = facts(SENSITIVE, gate="secret")
    assert decide(document, RULES, user(), table, [], NOW).discover is analyst
    assert decide(document, RULES, user("x@example.gouv.fr", "public", ("anonymous",)), table, [], NOW).discover is (
        anonymous
    )


# --- Row filters ------------------------------------------------------------------------------------------------------

ROWS = [column("code_departement", "public"), column("department", "public"), column("montant", "public")]


def _filters(document: PolicyDocument, reader: User, table: str = TABLE) -> list[RowFilter]:
    return decide(document, RULES, reader, facts(ROWS, table=table), [], NOW).row_filters


def test_row_filter_exempt_roles() -> None:
    document = PolicyDocument(row_filters=[RowFilterRule(rule="code_departement IN user.departements")])
    for role in ("admin", "data_officer"):
        assert _filters(document, user(roles=(role, "analyst"))) == []
    for role in ("owner", "steward", "analyst", "anonymous"):
        assert len(_filters(document, user(roles=(role,)))) == 1
    custom = PolicyDocument(
        row_filters=[RowFilterRule(rule="code_departement IN user.departements", exempt_roles=["steward"])]
    )
    assert len(_filters(custom, user(roles=("admin",)))) == 1
    assert _filters(custom, user(roles=("steward",))) == []


def test_missing_attribute_shows_no_rows() -> None:
    document = PolicyDocument(row_filters=[RowFilterRule(rule="code_departement IN user.departements")])
    assert _filters(document, user(attributes={"autre": ["1"]})) == [
        RowFilter(
            column="code_departement",
            values=[],
            reason="row filter code_departement IN user.departements → code_departement in (none: the user has no departements)",
        )
    ]


def test_department_attribute_falls_back_on_the_users_department() -> None:
    document = PolicyDocument(row_filters=[RowFilterRule(rule="department = user.department")])
    assert _filters(document, user(department="dgfip"))[0].values == ["dgfip"]
    assert _filters(document, user(department="dgfip", attributes={"department": ["dgddi", "insee"]}))[0].values == [
        "dgddi",
        "insee",
    ]
    assert _filters(document, user())[0].values == []
    other = PolicyDocument(row_filters=[RowFilterRule(rule="code_departement IN user.departements")])
    assert _filters(other, user(department="dgfip"))[0].values == []  # the fallback is for `department` only


def test_row_filters_apply_to_matching_tables_having_the_column() -> None:
    document = PolicyDocument(
        row_filters=[
            RowFilterRule(tables="dgfip.*", rule="code_departement IN user.departements"),
            RowFilterRule(tables="*", rule="commune IN user.communes"),  # no such column here: not applied
            RowFilterRule(tables="insee.*", rule="montant IN user.montants"),
        ]
    )
    reader = user(attributes={"departements": ["75"]})
    assert [f.column for f in _filters(document, reader)] == ["code_departement"]
    assert _filters(document, reader, "dgfipx.agents") == []
    assert [f.column for f in _filters(document, reader, "insee.agents")] == ["montant"]


def test_row_filters_accumulate() -> None:
    document = PolicyDocument(
        row_filters=[
            RowFilterRule(rule="code_departement IN user.departements"),
            RowFilterRule(rule="department = user.department"),
        ]
    )
    found = _filters(document, user(department="dgfip", attributes={"departements": ["75", "92"]}))
    assert [(f.column, f.values) for f in found] == [("code_departement", ["75", "92"]), ("department", ["dgfip"])]


def test_unreadable_table_has_no_row_filters_nor_columns() -> None:
    document = PolicyDocument(row_filters=[RowFilterRule(rule="code_departement IN user.departements")])
    decision = decide(document, RULES, user(), facts(ROWS, gate="secret"), [], NOW)
    assert not decision.read and decision.row_filters == [] and decision.columns == []
