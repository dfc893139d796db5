"""Access on a real platform (both backends): grants, requests, policy versions, governed SQL and the audit trail."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from patrimoine import Conflict, Forbidden, InputError, Platform
from patrimoine.policy import DEFAULT, from_yaml, to_yaml
from patrimoine.store.tables import grants as grant_rows

TABLE = "dgfip.agents"
PUBLIC = "insee.populations"
ADMIN = "admin@example.gouv.fr"
OFFICER = "officer@example.gouv.fr"
OWNER = "owner@example.gouv.fr"
STEWARD = "steward@example.gouv.fr"
ANALYST = "analyst@example.gouv.fr"
OTHER = "other@example.gouv.fr"
DEPS = ("59", "62", "75")
ROWS = 60


def _nir(n: int) -> str:
    body = f"1840{n % 10}75{n % 900 + 100:03d}{n % 900 + 10:03d}"[:13]
    return body + f"{97 - int(body) % 97:02d}"


@pytest.fixture
def p(platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Platform:
    """dgfip.agents (NIR, e-mail, département, amount) owned and stewarded; a public table; six people.

    Tables are loaded while nobody is registered (the local operator acts as admin); the admin acts afterwards.
    """
    agents = tmp_path / "agents.csv"
    lines = ["num_secu;courriel;code_departement;montant"]
    lines += [f"{_nir(i)};agent{i}@example.fr;{DEPS[i % 3]};{i * 100}" for i in range(ROWS)]
    agents.write_text("\n".join(lines) + "\n", encoding="utf-8")
    platform.ingest(agents, TABLE)
    platform.describe(TABLE, owner=OWNER, steward=STEWARD)
    populations = tmp_path / "populations.csv"
    populations.write_text("code,population\n59350,236234\n75056,2133111\n", encoding="utf-8")
    platform.ingest(populations, PUBLIC)
    platform.user_add(ADMIN, roles=["admin"], clearance="secret")
    monkeypatch.setenv("PATRIMOINE_USER", ADMIN)
    platform.user_add(OFFICER, roles=["data_officer"], clearance="secret")
    platform.user_add(OWNER, roles=["owner"], clearance="interne")
    platform.user_add(STEWARD, roles=["steward"], clearance="interne")
    platform.user_add(ANALYST, roles=["analyst"], clearance="interne", department="dgfip", groups=["fraude"])
    platform.user_add(OTHER, roles=["analyst"], clearance="interne", department="dgfip")
    return platform


def act(monkeypatch: pytest.MonkeyPatch, email: str) -> None:
    monkeypatch.setenv("PATRIMOINE_USER", email)


def secu_and_mail(p: Platform, **kwargs: object) -> list[tuple[object, ...]]:
    return p.sql("SELECT num_secu, courriel FROM dgfip.agents ORDER BY montant", **kwargs).rows  # type: ignore[arg-type]


def clear_first_row() -> tuple[str, str]:
    return _nir(0), "agent0@example.fr"


def is_pseudonym(value: object) -> bool:
    return isinstance(value, str) and value.startswith("ps_") and len(value) == 35


def in_days(days: float) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def lapse(p: Platform, grant_id: int) -> None:
    """Make a grant expire now, as time would (add_grant refuses a date already past)."""
    with p.store.begin() as conn:
        conn.execute(
            update(grant_rows)
            .where(grant_rows.c.id == grant_id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )


GRANT = {"purpose": "contrôle de cohérence", "legal_basis": "LPF art. L. 81"}


# --- Masks and grants -------------------------------------------------------------------------------------------------


def test_masks_are_explained_and_applied(p: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    decision = p.access(TABLE, ANALYST)
    assert decision.read and decision.masked == {"num_secu": "pseudonymise", "courriel": "pseudonymise"}
    assert decision.column("num_secu").reasons == [  # type: ignore[union-attr]
        "column num_secu masked (pseudonymise, mask rule for label nir): "
        "label NIR, level secret, clearance interne, no grant"
    ]
    assert decision.column("montant").reasons == ["level public within clearance interne"]  # type: ignore[union-attr]
    act(monkeypatch, ANALYST)
    assert p.access(TABLE) == decision
    rows = secu_and_mail(p)
    assert len(rows) == ROWS and all(is_pseudonym(a) and is_pseudonym(b) for a, b in rows)
    assert len({a for a, _ in rows}) == ROWS  # pseudonyms stay distinct: counting and joining still work
    act(monkeypatch, ADMIN)
    assert secu_and_mail(p)[0] == clear_first_row()
    assert secu_and_mail(p, as_user=ANALYST) == rows  # what the analyst gets, same pseudonyms
    act(monkeypatch, OWNER)  # interne, but the table's owner: in clear
    assert secu_and_mail(p)[0] == clear_first_row()


def test_column_grant_lifts_its_mask_then_expires(p: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    grant = p.grant(ANALYST, TABLE, columns=["num_secu"], expires_at=in_days(7), **GRANT)
    assert grant.columns == ["num_secu"] and grant.granted_by == ADMIN
    act(monkeypatch, ANALYST)
    first = secu_and_mail(p)[0]
    assert first[0] == _nir(0) and is_pseudonym(first[1])
    assert p.access(TABLE).column("num_secu").reasons == [f"level secret above clearance, {grant.describe()}"]  # type: ignore[union-attr]
    lapse(p, grant.id)
    assert all(is_pseudonym(a) for a, _ in secu_and_mail(p))
    decision = p.access(TABLE)
    assert decision.masked == {"num_secu": "pseudonymise", "courriel": "pseudonymise"}
    assert any(f"grant #{grant.id}" in r and "has expired" in r for r in decision.reasons)
    assert p.grants(TABLE) == []
    assert [g.id for g in p.grants(TABLE, include_lapsed=True)] == [grant.id]


def test_table_grant_opens_a_gate_then_expires(p: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    p.declare_regime(TABLE, "secret_statistique")
    grant = p.grant(ANALYST, TABLE, expires_at=datetime.now(UTC) + timedelta(seconds=1.5), **GRANT)
    act(monkeypatch, ANALYST)
    assert secu_and_mail(p)[0] == clear_first_row()
    time.sleep(max(0.0, (grant.expires_at - datetime.now(UTC)).total_seconds()) + 0.05)
    with pytest.raises(Forbidden, match=f"grant #{grant.id} .* has expired"):
        secu_and_mail(p)
    decision = p.access(TABLE)
    assert not decision.read and decision.reasons[1] == f"{grant.describe()} has expired"


def test_expiry_in_the_past_is_refused(p: Platform) -> None:
    with pytest.raises(InputError, match="already past"):
        p.grant(ANALYST, TABLE, expires_at=datetime.now(UTC) - timedelta(minutes=1), **GRANT)
    with pytest.raises(InputError, match="purpose and a legal basis"):
        p.grant(ANALYST, TABLE, purpose=" ", legal_basis="x", expires_at=in_days(1))
    with pytest.raises(InputError, match="has no column nope"):
        p.grant(ANALYST, TABLE, columns=["nope"], expires_at=in_days(1), **GRANT)
    with pytest.raises(InputError, match="no user nobody@example.gouv.fr"):
        p.grant("nobody@example.gouv.fr", TABLE, expires_at=in_days(1), **GRANT)
    assert p.grants(include_lapsed=True) == []


def test_regime_closes_the_table_until_a_grant_then_revoke(p: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    p.declare_regime(TABLE, "secret_fiscal")
    act(monkeypatch, ANALYST)
    with pytest.raises(Forbidden) as refused:
        p.sql("SELECT count(*) FROM dgfip.agents")
    message = str(refused.value)
    assert "table level secret (regime Secret fiscal (LPF, art. L. 103) → secret) above clearance interne" in message
    assert "`patrimoine access request dgfip.agents --purpose ... --basis ...`" in message
    decision = p.access(TABLE)
    assert not decision.read and decision.discover and decision.columns == []
    record = p.audit_search(action="sql.read", limit=1)[0]
    assert record.decision == "refused" and record.actor == ANALYST and "above clearance interne" in record.reasons[0]

    act(monkeypatch, OWNER)  # the owner grants the table to a group the analyst belongs to
    grant = p.grant("fraude", TABLE, group=True, expires_at=in_days(30), **GRANT)
    act(monkeypatch, ANALYST)
    assert p.sql("SELECT count(*) FROM dgfip.agents").rows == [(ROWS,)]
    assert secu_and_mail(p)[0] == clear_first_row()  # a table grant covers every column
    act(monkeypatch, OTHER)  # not in the group
    with pytest.raises(Forbidden):
        p.sql("SELECT count(*) FROM dgfip.agents")

    act(monkeypatch, STEWARD)
    revoked = p.revoke_grant(grant.id)
    assert revoked.revoked_by == STEWARD and revoked.revoked_at is not None
    with pytest.raises(Conflict, match="already revoked"):
        p.revoke_grant(grant.id)
    act(monkeypatch, ANALYST)
    with pytest.raises(Forbidden, match="has been revoked"):
        p.sql("SELECT count(*) FROM dgfip.agents")
    assert [r.action for r in reversed(p.audit_search(action="grant"))] == ["grant.add", "grant.revoke"]


# --- Requests ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("decider", [OWNER, STEWARD, OFFICER])
def test_request_approved_opens_a_closed_table(p: Platform, monkeypatch: pytest.MonkeyPatch, decider: str) -> None:
    p.declare_regime(TABLE, "secret_fiscal")
    act(monkeypatch, ANALYST)
    with pytest.raises(Forbidden, match="regime Secret fiscal .* no grant.*patrimoine access request dgfip.agents"):
        secu_and_mail(p)
    request = p.request_access(TABLE, purpose="étude des redressements", legal_basis="mission IGF 2026", days=30)
    assert (request.status, request.requester, request.days, request.columns) == ("pending", ANALYST, 30, None)
    with pytest.raises(Conflict, match="already waiting"):
        p.request_access(TABLE, purpose="bis", legal_basis="bis", days=1)
    assert [r.id for r in p.access_requests(mine=True)] == [request.id]

    for told in (OWNER, STEWARD):  # the registered owner and steward are told; data officers are not
        act(monkeypatch, told)
        notes = p.notifications(unread=True)
        assert [n.subject for n in notes] == [f"Access request #{request.id} for {TABLE}"]
        assert ANALYST in notes[0].body and "30 days" in notes[0].body and "mission IGF 2026" in notes[0].body
        assert [r.id for r in p.access_requests(status="pending")] == [request.id]
    act(monkeypatch, OFFICER)
    assert p.notifications() == []

    act(monkeypatch, decider)
    before = datetime.now(UTC)
    decided = p.decide_request(request.id, approve=True, comment="conforme à la lettre de mission")
    assert (decided.status, decided.decided_by) == ("approved", decider) and decided.grant_id is not None
    grant = next(g for g in p.grants(TABLE) if g.id == decided.grant_id)
    assert (grant.subject, grant.request_id, grant.purpose, grant.granted_by) == (
        ANALYST, request.id, "étude des redressements", decider,
    )  # fmt: skip
    assert before + timedelta(days=30) <= grant.expires_at <= datetime.now(UTC) + timedelta(days=30)
    with pytest.raises(Conflict, match="already approved"):
        p.decide_request(request.id, approve=False, comment="trop tard")

    act(monkeypatch, ANALYST)
    notes = p.notifications(unread=True, mark_read=True)
    assert [n.subject for n in notes] == [f"Access request #{request.id} for {TABLE}: approved"]
    assert decider in notes[0].body and "conforme à la lettre de mission" in notes[0].body
    assert p.notifications(unread=True) == [] and len(p.notifications()) == 1
    assert secu_and_mail(p)[0] == clear_first_row()
    assert p.access(TABLE).reasons[0].endswith(f"read under {grant.describe()}")

    actions = [r.action for r in reversed(p.audit_search(target=TABLE)) if r.action.startswith("access.")]
    assert actions == ["access.request", "access.approved"]
    approved = p.audit_search(action="access.approved")[0]
    assert approved.actor == decider and approved.details == {"request": request.id, "grant": grant.id}


def test_column_request_gives_a_column_grant(p: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    act(monkeypatch, ANALYST)
    request = p.request_access(TABLE, purpose="appariement", legal_basis="décret 2019-341", days=2,
                               columns=["num_secu", "num_secu"])  # fmt: skip
    assert request.columns == ["num_secu"]
    act(monkeypatch, OWNER)
    decided = p.decide_request(request.id, approve=True)
    act(monkeypatch, ANALYST)
    first = secu_and_mail(p)[0]
    assert first[0] == _nir(0) and is_pseudonym(first[1])
    grant = p.grants(TABLE)[0]
    assert grant.id == decided.grant_id and grant.columns == ["num_secu"]
    assert grant.expires_at <= datetime.now(UTC) + timedelta(days=2)


def test_refusals_of_requests(p: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    act(monkeypatch, ANALYST)
    request = p.request_access(TABLE, purpose="curiosité", legal_basis="aucune", days=10)
    with pytest.raises(Forbidden, match="owner or steward, a data officer or an admin"):
        p.decide_request(request.id, approve=True)  # an analyst decides nothing, not even their own
    act(monkeypatch, OWNER)
    with pytest.raises(InputError, match="a refusal needs a comment"):
        p.decide_request(request.id, approve=False, comment="  ")
    assert p.access_requests(status="pending")[0].id == request.id  # nothing decided
    refused = p.decide_request(request.id, approve=False, comment="pas de base légale")
    assert (refused.status, refused.comment, refused.grant_id) == ("refused", "pas de base légale", None)
    assert p.grants(TABLE, include_lapsed=True) == []
    act(monkeypatch, ANALYST)
    note = p.notifications()[-1]
    assert note.subject.endswith(": refused") and "pas de base légale" in note.body
    assert p.audit_search(action="access.refused")[0].reasons == ["pas de base légale"]


def test_nobody_decides_their_own_request(p: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    p.declare_regime(TABLE, "diffusion_restreinte")
    act(monkeypatch, OWNER)  # even the table's owner, who may decide others' requests
    mine = p.request_access(TABLE, purpose="p", legal_basis="b", days=1)
    with pytest.raises(Forbidden, match="nobody decides their own access request"):
        p.decide_request(mine.id, approve=True)
    act(monkeypatch, OFFICER)
    theirs = p.request_access(TABLE, purpose="p", legal_basis="b", days=1)
    with pytest.raises(Forbidden, match="nobody decides their own"):
        p.decide_request(theirs.id, approve=True)
    assert p.decide_request(mine.id, approve=True).status == "approved"
    assert {r.status for r in p.access_requests()} == {"approved", "pending"}


def test_request_checks(p: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    act(monkeypatch, ANALYST)
    with pytest.raises(InputError, match="between 1 and 366 days"):
        p.request_access(TABLE, purpose="p", legal_basis="b", days=0)
    with pytest.raises(InputError, match="needs a legal basis"):
        p.request_access(TABLE, purpose="p", legal_basis=" ", days=1)
    with pytest.raises(InputError, match="has no column x"):
        p.request_access(TABLE, purpose="p", legal_basis="b", days=1, columns=["x"])
    act(monkeypatch, "stranger@example.gouv.fr")
    with pytest.raises(Forbidden, match="not registered"):
        p.request_access(TABLE, purpose="p", legal_basis="b", days=1)
    act(monkeypatch, ADMIN)
    assert p.access_requests() == []


def test_without_owner_the_managers_are_told(p: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    act(monkeypatch, ANALYST)
    request = p.request_access(PUBLIC, purpose="p", legal_basis="b", days=1)
    for manager in (ADMIN, OFFICER):
        act(monkeypatch, manager)
        assert [n.subject for n in p.notifications()] == [f"Access request #{request.id} for {PUBLIC}"]
    act(monkeypatch, OWNER)
    assert p.notifications() == [] and p.access_requests() == []  # not theirs to decide
    with pytest.raises(Forbidden):
        p.decide_request(request.id, approve=True)


# --- Who may do what --------------------------------------------------------------------------------------------------


def test_an_analyst_may_not_grant_revoke_nor_change_the_policy(p: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    grant = p.grant(OTHER, TABLE, expires_at=in_days(1), **GRANT)
    act(monkeypatch, ANALYST)
    with pytest.raises(Forbidden, match=f"{ANALYST} may not do this"):
        p.grant(ANALYST, TABLE, expires_at=in_days(1), **GRANT)
    with pytest.raises(Forbidden):
        p.revoke_grant(grant.id)
    with pytest.raises(Forbidden, match="a data officer or an admin"):
        p.set_policy(to_yaml(DEFAULT), "je change tout")
    with pytest.raises(Forbidden, match="not an admin"):
        p.sql("SELECT 1 AS x FROM insee.populations", as_user=OTHER)
    with pytest.raises(Forbidden, match=f"{ANALYST} may not do this"):
        p.access(TABLE, OTHER)  # explaining someone else's access is for those who decide it
    with pytest.raises(Forbidden, match="not an admin"):
        p.user_set(ANALYST, "departements", ["59"])
    act(monkeypatch, OWNER)  # an owner manages their own table only
    with pytest.raises(Forbidden, match="insee.populations's owner or steward"):
        p.grant(ANALYST, PUBLIC, expires_at=in_days(1), **GRANT)
    with pytest.raises(Forbidden):
        p.set_policy(to_yaml(DEFAULT), "non")
    assert p.access(TABLE, ANALYST).user == ANALYST  # the owner explains what a requester gets of their table
    act(monkeypatch, OFFICER)  # a data officer manages every table and the policy, but is not an admin
    assert p.grant(ANALYST, PUBLIC, expires_at=in_days(1), **GRANT).granted_by == OFFICER
    with pytest.raises(Forbidden, match="not an admin"):
        p.sql("SELECT 1 AS x FROM insee.populations", as_user=ANALYST)
    assert [g.subject for g in p.grants(include_lapsed=True)] == [OTHER, ANALYST]
    assert p.audit_search(action="sql.read")[0].decision == "refused"


def test_unregistered_and_anonymous_readers_see_public_tables_only(
    p: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    p.review_level(TABLE, "interne", reason="usage interne")
    for as_user in ("anonymous", None):
        if as_user is None:
            act(monkeypatch, "stranger@example.gouv.fr")
        decision = p.access(TABLE, as_user)
        assert not decision.read and not decision.discover
        assert decision.reasons[0].startswith("table level interne (set to interne by ")
        assert decision.reasons[0].endswith("usage interne) above clearance public, no grant")
        assert p.access(PUBLIC, as_user).read
        assert p.sql("SELECT * FROM insee.populations ORDER BY code", as_user=as_user).rows == [
            ("59350", 236234), ("75056", 2133111),
        ]  # fmt: skip
        with pytest.raises(Forbidden, match="above clearance public"):
            p.sql("SELECT count(*) FROM dgfip.agents", as_user=as_user)
    act(monkeypatch, ANALYST)
    assert p.access(TABLE).read  # the same table for an interne reader
    act(monkeypatch, ADMIN)
    p.review_level(TABLE, None)  # back to a public gate: anonymous readers read it, masks as the lowest clearance
    decision = p.access(TABLE, "anonymous")
    assert decision.read and decision.masked == {"num_secu": "pseudonymise", "courriel": "pseudonymise"}


# --- Policy versions and row filters ----------------------------------------------------------------------------------

FILTERED = """\
masks:
  - label: email
    strategy: redact
  - level: secret
    strategy: pseudonymise
row_filters:
  - tables: "dgfip.*"
    rule: code_departement IN user.departements
"""


def test_policy_versions_from_yaml(p: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    assert p.policy() == (0, DEFAULT) and p.policy_history() == []
    act(monkeypatch, OFFICER)
    assert p.set_policy(FILTERED, "filtre par département") == 1
    version, document = p.policy()
    assert version == 1 and document == from_yaml(FILTERED)
    assert p.policy(0) == (0, DEFAULT) and p.policy(1) == (1, document)
    assert p.set_policy(DEFAULT, "retour au défaut") == 2
    history = p.policy_history()
    assert [(h["version"], h["by"], h["comment"]) for h in history] == [
        (1, OFFICER, "filtre par département"),
        (2, OFFICER, "retour au défaut"),
    ]
    assert history[0]["at"].tzinfo is not None
    records = [(r.action, r.details["version"], r.reasons) for r in reversed(p.audit_search(action="policy.update"))]
    assert records == [("policy.update", 1, ["filtre par département"]), ("policy.update", 2, ["retour au défaut"])]


@pytest.mark.parametrize(
    ("text", "comment", "message"),
    [
        ("masks:\n  - label: nir\n   strategy: redact\n", "x", "line 3: invalid YAML"),
        ("maskss: []\n", "x", "unknown key 'maskss'"),
        ("masks:\n  - {label: nirr, strategy: redact}\n", "x", "unknown label 'nirr'"),
        ("masks:\n  - {level: cosmic, strategy: redact}\n", "x", "level 'cosmic'"),
        ("row_filters:\n  - {rule: a IN user.b, exempt_roles: [king]}\n", "x", "unknown role 'king'"),
        (FILTERED, " ", "needs a comment"),
    ],
)
def test_bad_policies_store_nothing(
    p: Platform, monkeypatch: pytest.MonkeyPatch, text: str, comment: str, message: str
) -> None:
    act(monkeypatch, OFFICER)
    with pytest.raises(InputError, match=message):
        p.set_policy(text, comment)
    assert p.policy() == (0, DEFAULT) and p.policy_history() == [] and p.audit_search(action="policy") == []


def test_row_filters_and_masks_of_a_new_policy(p: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    p.set_policy(FILTERED, "filtre par département")
    p.user_set(ANALYST, "departements", ["59", "62"])
    act(monkeypatch, ANALYST)
    result = p.sql(
        "SELECT code_departement, count(*) AS n, count(courriel) AS mails FROM dgfip.agents GROUP BY 1 ORDER BY 1"
    )
    assert result.rows == [("59", 20, 0), ("62", 20, 0)]  # e-mails redacted to NULL before the GROUP BY
    assert "dgfip.agents: row filter code_departement IN user.departements → code_departement in (59, 62)" in (
        result.notes
    )
    decision = p.access(TABLE)
    assert decision.policy_version == 1 and decision.masked == {"num_secu": "pseudonymise", "courriel": "redact"}
    assert "(redact, mask rule for label email)" in decision.column("courriel").reasons[0]  # type: ignore[union-attr]
    record = p.audit_search(action="sql.read", limit=1)[0]
    assert record.details["policy_version"] == 1
    assert any(r.startswith("column courriel masked (redact, mask rule for label email)") for r in record.reasons)
    assert any("row filter code_departement IN user.departements" in r for r in record.reasons)

    act(monkeypatch, OTHER)  # no departements attribute: no rows at all
    assert p.sql("SELECT count(*) FROM dgfip.agents").rows == [(0,)]
    assert p.access(TABLE).row_filters[0].values == []
    act(monkeypatch, OFFICER)  # exempt role
    assert p.sql("SELECT count(*) FROM dgfip.agents").rows == [(ROWS,)]
    assert p.sql("SELECT count(*) FROM dgfip.agents", as_user=None).rows == [(ROWS,)]
    act(monkeypatch, ADMIN)
    assert p.sql("SELECT count(*) FROM dgfip.agents", as_user=ANALYST).rows == [(40,)]
    assert p.sql("SELECT count(*) FROM insee.populations", as_user=OTHER).rows == [(2,)]  # the glob is dgfip.*


# --- The audit trail --------------------------------------------------------------------------------------------------


def test_every_step_is_audited(p: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    act(monkeypatch, OFFICER)
    p.set_policy(DEFAULT, "version explicite")
    act(monkeypatch, ANALYST)
    secu_and_mail(p)
    request = p.request_access(TABLE, purpose="enquête", legal_basis="art. 40 CPP", days=5)
    act(monkeypatch, OWNER)
    decided = p.decide_request(request.id, approve=True)
    grant = p.grant(OTHER, TABLE, columns=["courriel"], expires_at=in_days(3), **GRANT)
    act(monkeypatch, ADMIN)
    secu_and_mail(p, as_user=OTHER)

    trail = [
        (r.action, r.actor, r.target) for r in reversed(p.audit_search(since=datetime.now(UTC) - timedelta(hours=1)))
    ]
    steps = [t for t in trail if t[0].split(".")[0] in ("policy", "sql", "access", "grant")]
    assert steps == [
        ("policy.update", OFFICER, "policy"),
        ("sql.read", ANALYST, "sql"),
        ("access.request", ANALYST, TABLE),
        ("access.approved", OWNER, TABLE),
        ("grant.add", OWNER, TABLE),
        ("sql.read", ADMIN, "sql"),
    ]
    masked_read, as_other = (r for r in reversed(p.audit_search(action="sql.read")))
    assert [r.split(" (")[0] for r in masked_read.reasons[1:]] == ["column num_secu masked", "column courriel masked"]
    assert masked_read.details["policy_version"] == 1 and masked_read.details["as"] == ANALYST
    assert as_other.details["as"] == OTHER and [r.split(" (")[0] for r in as_other.reasons[1:]] == [
        "column num_secu masked"
    ]
    assert p.audit_search(action="access.request")[0].details == {"request": request.id, "days": 5}
    assert p.audit_search(action="access.approved")[0].details["grant"] == decided.grant_id
    assert p.audit_search(action="grant.add")[0].reasons == [grant.describe()]
    assert p.audit_verify().ok
