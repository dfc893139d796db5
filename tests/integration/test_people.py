"""People: users, roles, clearance, departments and groups; bad input refused whole; changes audited."""

from __future__ import annotations

import pytest

from patrimoine import Conflict, Forbidden, InputError, NotFound, Platform

ADMIN = "admin@example.gouv.fr"


@pytest.fixture
def registry(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> Platform:
    """A platform with an admin registered, acting as that admin."""
    platform.user_add(ADMIN, roles=["admin"], clearance="secret")
    monkeypatch.setenv("PATRIMOINE_USER", ADMIN)
    return platform


def test_users_roles_and_groups(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    assert platform.user("local@example.gouv.fr").roles == ["admin"]  # nobody registered: the operator is admin
    with pytest.raises(InputError, match="register an admin first"):
        platform.user_add("analyste@example.gouv.fr", roles=["analyst"], clearance="interne")
    platform.user_add(ADMIN, roles=["admin"], clearance="secret")
    with pytest.raises(Forbidden, match="is not an admin"):  # the unregistered operator is no longer admin
        platform.user_add("analyste@example.gouv.fr", roles=["analyst"], clearance="interne")
    monkeypatch.setenv("PATRIMOINE_USER", ADMIN)
    user = platform.user_add("Analyste@Example.gouv.fr", roles=["analyst"], clearance="interne", department="dgfip",
                             name="Une Analyste", groups=["fraude"])  # fmt: skip
    assert (user.email, user.roles, user.clearance, user.department, user.groups) == (
        "analyste@example.gouv.fr",
        ["analyst"],
        "interne",
        "dgfip",
        ["fraude"],
    )
    assert platform.user_grant("analyste@example.gouv.fr", "steward").roles == ["analyst", "steward"]
    assert platform.user_revoke("analyste@example.gouv.fr", "analyst").roles == ["steward"]
    assert platform.user_set("analyste@example.gouv.fr", "departements", ["75", "92", "75"]).attributes == {
        "departements": ["75", "92"]
    }
    assert [u.email for u in platform.users()] == [ADMIN, "analyste@example.gouv.fr"]
    with pytest.raises(NotFound, match="no user"):
        platform.user("local@example.gouv.fr")  # once people are registered, nobody is admin by default
    monkeypatch.setenv("PATRIMOINE_USER", "analyste@example.gouv.fr")
    with pytest.raises(Forbidden, match="is not an admin"):
        platform.user_grant("analyste@example.gouv.fr", "admin")
    records = list(reversed(platform.audit_search(action="user")))
    assert [(r.action, r.decision) for r in records] == [
        ("user.add", "allowed"),
        ("user.add", "refused"),  # refusals are recorded too, with who tried
        ("user.add", "allowed"),
        ("user.grant", "allowed"),
        ("user.revoke", "allowed"),
        ("user.attribute", "allowed"),
        ("user.grant", "refused"),
    ]
    assert records[-1].actor == "analyste@example.gouv.fr" and "not an admin" in records[-1].reasons[0]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"email": "not-an-email"}, InputError, "not an e-mail"),
        ({"roles": ["king"]}, InputError, "role 'king'"),
        ({"clearance": "cosmic"}, InputError, "level 'cosmic'"),
        ({"department": "DGFiP!"}, InputError, "lower-case"),
        ({"email": "a@example.gouv.fr"}, Conflict, "already exists"),
    ],
)
def test_bad_users_are_refused(
    registry: Platform, kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    platform = registry
    platform.user_add("a@example.gouv.fr", roles=["analyst"], clearance="public")
    before = platform.users()
    args: dict[str, object] = {"email": "b@example.gouv.fr", "roles": ["analyst"], "clearance": "public", **kwargs}
    with pytest.raises(error, match=message):
        platform.user_add(**args)  # type: ignore[arg-type]
    assert platform.users() == before


def test_grant_and_revoke_errors(registry: Platform) -> None:
    platform = registry
    platform.user_add("a@example.gouv.fr", roles=["analyst"], clearance="public")
    with pytest.raises(Conflict, match="already holds"):
        platform.user_grant("a@example.gouv.fr", "analyst")
    with pytest.raises(NotFound, match="does not hold"):
        platform.user_revoke("a@example.gouv.fr", "admin")
    with pytest.raises(NotFound, match="no user"):
        platform.user_grant("z@example.gouv.fr", "admin")
