"""`patrimoine access`, `policy` and `sql --as` from the shell: the whole request workflow, JSON out, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).with_name("patrimoine")
ADMIN, ANALYST = "admin@example.gouv.fr", "analyste@example.gouv.fr"
FORBIDDEN = 5


def run(home: Path, user: str | None, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATRIMOINE_")}
    env["PATRIMOINE_DATABASE_URL"] = database_url
    if user:
        env["PATRIMOINE_USER"] = user
    return subprocess.run(
        [str(BIN), "--home", str(home), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def ok(done: subprocess.CompletedProcess[str]) -> object:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.startswith(("{", "[")) else done.stdout


def test_request_approve_and_read(tmp_path: Path, database_url: str) -> None:
    home = tmp_path / "home"
    data = tmp_path / "contribuables.csv"
    data.write_text(
        "email,nom,code_departement,montant\n"
        "jeanne.martin@example.fr,Jeanne Martin,75,1200.5\n"
        "paul.durand@example.org,Paul Durand,13,80\n"
        "lea.petit@example.net,Léa Petit,75,15000\n",
        encoding="utf-8",
    )
    ok(run(home, None, database_url, "ingest", str(data), "--table", "dgfip.contribuables", "--json"))
    ok(run(home, None, database_url, "user", "add", ADMIN, "--role", "admin", "--clearance", "secret", "--json"))
    ok(run(home, ADMIN, database_url, "user", "add", ANALYST, "--role", "analyst", "--clearance", "interne", "--json"))
    ok(run(home, ADMIN, database_url, "user", "set", ANALYST, "departements", "75", "--json"))

    # A row filter, set from a YAML file: the analyst sees only département 75.
    policy = ok(run(home, ADMIN, database_url, "policy", "show"))
    assert isinstance(policy, str) and "version 0" in policy
    filtered = str(policy).replace(
        "row_filters: []", "row_filters:\n- tables: dgfip.*\n  rule: code_departement IN user.departements"
    )
    (tmp_path / "policy.yaml").write_text(filtered, encoding="utf-8")
    set_ = run(home, ANALYST, database_url, "policy", "set", str(tmp_path / "policy.yaml"), "--comment", "filtre")
    assert set_.returncode == FORBIDDEN and "error:" in set_.stderr and "Traceback" not in set_.stderr
    assert ok(run(home, ADMIN, database_url, "policy", "set", str(tmp_path / "policy.yaml"), "--comment", "filtre",
                  "--json")) == {"version": 1}  # fmt: skip
    assert [h["version"] for h in ok(run(home, ADMIN, database_url, "policy", "history", "--json"))] == [1]  # type: ignore[union-attr]

    explained = ok(run(home, ADMIN, database_url, "access", "explain", ANALYST, "dgfip.contribuables", "--json"))
    assert isinstance(explained, dict) and explained["read"] is True
    masks = {c["column"]: c["mask"] for c in explained["columns"]}
    assert masks == {"email": "pseudonymise", "nom": "redact", "code_departement": None, "montant": None}
    assert explained["row_filters"][0]["values"] == ["75"]

    query = "SELECT email, nom, code_departement FROM dgfip.contribuables ORDER BY montant"
    seen = ok(run(home, ADMIN, database_url, "sql", query, "--as", ANALYST, "--json"))
    assert isinstance(seen, dict)
    assert [r["code_departement"] for r in seen["rows"]] == ["75", "75"]
    assert all(r["email"].startswith("ps_") and r["nom"] is None for r in seen["rows"])
    assert any("masked (pseudonymise)" in note for note in seen["policy"])
    refused = run(home, ANALYST, database_url, "sql", query, "--as", ADMIN)
    assert refused.returncode == FORBIDDEN and "not an admin" in refused.stderr

    # The analyst asks; the admin is told, approves; the analyst is told and reads in clear (still filtered).
    asked = ok(run(home, ANALYST, database_url, "access", "request", "dgfip.contribuables", "--purpose", "relances",
                   "--basis", "LPF art. L. 81", "--days", "30", "--column", "email", "--json"))  # fmt: skip
    assert isinstance(asked, dict) and asked["status"] == "pending" and asked["columns"] == ["email"]
    told = ok(run(home, ADMIN, database_url, "access", "notifications", "--unread", "--mark-read", "--json"))
    assert isinstance(told, list) and f"#{asked['id']}" in told[0]["subject"]
    assert ok(run(home, ADMIN, database_url, "access", "notifications", "--unread", "--json")) == []
    pending = ok(run(home, ADMIN, database_url, "access", "requests", "--status", "pending", "--json"))
    assert [r["id"] for r in pending] == [asked["id"]]  # type: ignore[union-attr]
    refused = run(home, ADMIN, database_url, "access", "refuse", str(asked["id"]), "--comment", "")
    assert refused.returncode == 2 and "needs a comment" in refused.stderr
    approved = ok(run(home, ADMIN, database_url, "access", "approve", str(asked["id"]), "--json"))
    assert isinstance(approved, dict) and approved["status"] == "approved" and approved["grant_id"]
    mine = ok(run(home, ANALYST, database_url, "access", "requests", "--mine", "--json"))
    assert [r["status"] for r in mine] == ["approved"]  # type: ignore[union-attr]
    news = ok(run(home, ANALYST, database_url, "access", "notifications", "--json"))
    assert isinstance(news, list) and "approved" in news[-1]["subject"]

    seen = ok(run(home, ANALYST, database_url, "sql", query, "--json"))
    assert isinstance(seen, dict)
    assert [r["email"] for r in seen["rows"]] == ["jeanne.martin@example.fr", "lea.petit@example.net"]
    assert all(r["nom"] is None for r in seen["rows"])  # the grant covers email only

    grants = ok(run(home, ADMIN, database_url, "access", "grants", "dgfip.contribuables", "--json"))
    assert isinstance(grants, list) and [g["subject"] for g in grants] == [ANALYST]
    ok(run(home, ADMIN, database_url, "access", "revoke", str(grants[0]["id"]), "--json"))
    assert ok(run(home, ADMIN, database_url, "access", "grants", "--json")) == []
    assert len(ok(run(home, ADMIN, database_url, "access", "grants", "--all", "--json"))) == 1  # type: ignore[arg-type]
    given = ok(run(home, ADMIN, database_url, "access", "grant", "reviseurs", "dgfip.contribuables", "--group",
                   "--purpose", "revue", "--basis", "arrêté", "--until", "2099-01-01", "--json"))  # fmt: skip
    assert isinstance(given, dict) and given["subject_kind"] == "group" and given["columns"] is None
    bad = run(home, ADMIN, database_url, "access", "grant", ANALYST, "dgfip.contribuables", "--purpose", "p",
              "--basis", "b")  # fmt: skip
    assert bad.returncode == 2 and "--until" in bad.stderr


def test_discovery_hides_what_anonymous_may_not_read(tmp_path: Path, database_url: str) -> None:
    home = tmp_path / "home"
    for table, text in (("insee.communes", "code,nom\n01001,Abergement\n"), ("dgfip.secret", "code,montant\n1,2\n")):
        path = tmp_path / f"{table}.csv"
        path.write_text(text, encoding="utf-8")
        ok(run(home, None, database_url, "ingest", str(path), "--table", table, "--json"))
    ok(run(home, None, database_url, "review", "regime", "dgfip.secret", "secret_fiscal", "--json"))
    ok(run(home, None, database_url, "user", "add", ADMIN, "--role", "admin", "--clearance", "secret", "--json"))

    visitor = "visiteur@example.org"  # not registered: anonymous
    listed = ok(run(home, visitor, database_url, "list", "--json"))
    assert [d["name"] for d in listed] == ["communes"]  # type: ignore[union-attr]
    found = ok(run(home, visitor, database_url, "search", "code", "--json"))
    assert isinstance(found, dict) and [h["table"] for h in found["hits"]] == ["insee.communes"]
    hidden = run(home, visitor, database_url, "show", "dgfip.secret")
    assert hidden.returncode == 3 and "no dataset dgfip.secret" in hidden.stderr
    read = run(home, visitor, database_url, "sql", "SELECT * FROM dgfip.secret")
    assert read.returncode == FORBIDDEN and "patrimoine access request" in read.stderr
    assert [d["name"] for d in ok(run(home, ADMIN, database_url, "list", "--json"))] == ["secret", "communes"]  # type: ignore[union-attr]


def test_profiles_show_no_values_of_masked_columns(tmp_path: Path, database_url: str) -> None:
    home = tmp_path / "home"
    data = tmp_path / "agents.csv"
    data.write_text(
        "email,code_departement\njeanne.martin@example.fr,75\npaul.durand@example.org,13\njeanne.martin@example.fr,75\n",
        encoding="utf-8",
    )
    ok(run(home, None, database_url, "ingest", str(data), "--table", "dgfip.agents", "--json"))
    ok(run(home, None, database_url, "user", "add", ADMIN, "--role", "admin", "--clearance", "secret", "--json"))
    ok(run(home, ADMIN, database_url, "user", "add", ANALYST, "--role", "analyst", "--clearance", "interne", "--json"))
    for user, shows_values in ((ADMIN, True), (ANALYST, False)):
        shown = ok(run(home, user, database_url, "show", "dgfip.agents", "--json"))
        assert isinstance(shown, dict)
        profile = {c["name"]: c["profile"] for c in shown["columns"]}
        assert bool(profile["email"]["top_values"]) is shows_values
        assert (profile["email"]["min"] == "jeanne.martin@example.fr") is shows_values
        assert profile["code_departement"]["max"] == "75"  # public: shown to both
        assert profile["email"]["distinct_count"] == 2  # counts reveal no one
