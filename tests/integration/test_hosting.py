"""Hosting zones: ingests and moves into a zone the level forbids are refused with the rule; the compliance report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import patrimoine
import patrimoine.hosting.admission
import patrimoine.ingest
from patrimoine import ConfigError, Conflict, Forbidden, InputError, NotFound, Platform
from patrimoine.hosting import DEFAULT_FILE, NoRules, RuleFileError

BIN = Path(sys.executable).with_name("patrimoine")
RESTREINT = "levels.restreint = [cloud_secnumcloud, cloud_interne, on_premise_homologue]"


def _agents(tmp_path: Path, name: str = "agents.csv") -> Path:
    """A table with an e-mail column: level restreint."""
    path = tmp_path / name
    lines = ["matricule;courriel"] + [f"{i};agent{i}@example.fr" for i in range(40)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _counts(tmp_path: Path, name: str = "counts.csv", start: int = 0) -> Path:
    """A table with nothing sensitive: level public."""
    path = tmp_path / name
    path.write_text("annee;nombre\n" + "".join(f"{2000 + i};{start + i}\n" for i in range(20)), encoding="utf-8")
    return path


def _parquet_files(platform: Platform) -> list[Path]:
    return list(platform.settings.warehouse.rglob("*.parquet"))


def test_a_table_with_emails_is_refused_on_cloud_public_with_the_rule(platform: Platform, tmp_path: Path) -> None:
    path = _agents(tmp_path)
    with pytest.raises(Forbidden, match="before the commit") as refused:
        platform.ingest(path, "dgfip.agents", zone="cloud_public")
    message = str(refused.value)
    assert RESTREINT in message and str(DEFAULT_FILE) in message and "level restreint" in message
    assert "ingest it into cloud_secnumcloud or cloud_interne or on_premise_homologue" in message
    # Nothing was written: no snapshot, no catalogue entry, no data file.
    with pytest.raises(NotFound):
        platform.lake.require("dgfip", "agents")
    with pytest.raises(NotFound):
        platform.dataset("dgfip.agents")
    assert _parquet_files(platform) == []

    result = platform.ingest(path, "dgfip.agents", zone="cloud_secnumcloud")
    assert result.version == 1 and "warning" not in result.message
    placed = platform.zone("dgfip.agents")
    assert (placed.zone, placed.declared, placed.level, placed.violation) == (
        "cloud_secnumcloud",
        True,
        "restreint",
        None,
    )
    assert placed.allowed == ["cloud_secnumcloud", "cloud_interne", "on_premise_homologue"]


def test_zones_of_an_ingest(platform: Platform, tmp_path: Path) -> None:
    # A new table goes to the rule file's default zone, unless the ingest names one; an unknown zone is refused.
    platform.ingest(_counts(tmp_path), "insee.defaut")
    assert platform.zone("insee.defaut").zone == "on_premise_homologue"
    with pytest.raises(InputError, match="unknown zone 'nuage'"):
        platform.ingest(_counts(tmp_path, "b.csv"), "insee.autre", zone="nuage")
    platform.ingest(_counts(tmp_path, "c.csv"), "insee.comptes", zone="cloud_public")
    assert platform.zone("insee.comptes").zone == "cloud_public"
    # An ingest never moves a table.
    with pytest.raises(Conflict, match="patrimoine zone set insee.comptes cloud_interne"):
        platform.ingest(_counts(tmp_path, "d.csv", 100), "insee.comptes", zone="cloud_interne")
    platform.ingest(_counts(tmp_path, "e.csv", 200), "insee.comptes", zone="cloud_public")  # its own zone: fine
    # Appending e-mails to a public table on cloud_public: refused before the commit, the table stays as it was.
    with pytest.raises(Forbidden, match=r"before the commit.*levels\.restreint"):
        platform.ingest(_agents(tmp_path), "insee.comptes")
    dataset = platform.dataset("insee.comptes")
    assert (dataset.version, dataset.row_count) == (2, 40)


def test_a_move_is_refused_or_allowed_by_the_rules_and_audited(platform: Platform, tmp_path: Path) -> None:
    platform.ingest(_agents(tmp_path), "dgfip.agents")
    with pytest.raises(Forbidden, match=r"move refused.*levels\.restreint") as refused:
        platform.move("dgfip.agents", "cloud_public")
    assert "patrimoine zone set dgfip.agents ZONE" in str(refused.value)
    assert platform.zone("dgfip.agents").zone == "on_premise_homologue"
    with pytest.raises(InputError, match="unknown zone"):
        platform.move("dgfip.agents", "nulle_part")

    placed = platform.move("dgfip.agents", "cloud_secnumcloud")
    assert (placed.zone, placed.label) == ("cloud_secnumcloud", "Cloud commercial qualifié SecNumCloud")
    assert platform.zone("dgfip.agents").zone == "cloud_secnumcloud"
    records = platform.audit_search(action="hosting.move")
    assert [r.decision for r in records] == ["allowed", "refused"]
    assert records[0].details == {"from": "on_premise_homologue", "to": "cloud_secnumcloud", "level": "restreint"}
    assert "cloud_public" in records[1].reasons[0] and "levels.restreint" in records[1].reasons[0]
    assert platform.audit_verify().ok


def test_only_a_manager_of_the_table_may_move_it(
    platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform.ingest(_counts(tmp_path), "insee.comptes", owner="owner@example.gouv.fr")
    monkeypatch.setenv("PATRIMOINE_USER", "admin@example.gouv.fr")
    platform.user_add("admin@example.gouv.fr", roles=["admin"], clearance="secret")
    platform.user_add("analyst@example.gouv.fr", roles=["analyst"], clearance="secret")
    platform.user_add("owner@example.gouv.fr", roles=["owner"], clearance="secret")
    monkeypatch.setenv("PATRIMOINE_USER", "analyst@example.gouv.fr")
    with pytest.raises(Forbidden, match="may not do this"):
        platform.move("insee.comptes", "cloud_public")
    assert platform.compliance() == []  # manages no table: an empty report
    monkeypatch.setenv("PATRIMOINE_USER", "stranger@example.gouv.fr")  # not registered: anonymous
    with pytest.raises(Forbidden):
        platform.compliance()
    monkeypatch.setenv("PATRIMOINE_USER", "owner@example.gouv.fr")
    assert platform.move("insee.comptes", "cloud_public").set_by == "owner@example.gouv.fr"


def test_a_raised_level_is_reported_with_what_to_do(platform: Platform, tmp_path: Path) -> None:
    platform.ingest(_agents(tmp_path), "dgfip.agents", zone="cloud_secnumcloud")
    platform.ingest(_counts(tmp_path), "insee.comptes", zone="cloud_public")
    assert platform.compliance() == []

    # The owner declares Diffusion Restreinte: the level becomes secret, and the regime has a rule of its own.
    platform.declare_regime("dgfip.agents", "diffusion_restreinte")
    # A steward raises the public table to interne, which the default keeps off cloud_public.
    platform.review_level("insee.comptes", "interne", reason="données de travail", by="steward@example.gouv.fr")
    found = {v.table: v for v in platform.compliance()}
    assert sorted(found) == ["dgfip.agents", "insee.comptes"]
    agents = found["dgfip.agents"]
    assert (agents.level, agents.zone, agents.regimes) == ("secret", "cloud_secnumcloud", ["diffusion_restreinte"])
    assert agents.rules == [
        "levels.secret = [cloud_interne, on_premise_homologue]",
        "regimes.diffusion_restreinte = [cloud_interne, on_premise_homologue]",
    ]
    assert agents.allowed == ["cloud_interne", "on_premise_homologue"]
    assert "move it to cloud_interne or on_premise_homologue" in agents.action
    assert "patrimoine review list dgfip.agents" in agents.action
    assert any("Diffusion Restreinte" in r for r in agents.reasons)
    assert found["insee.comptes"].rules[0].startswith("levels.interne = ")
    assert platform.zone("dgfip.agents").violation == agents

    # A table in violation takes no more rows until it is moved.
    with pytest.raises(Forbidden, match="before reading the file"):
        platform.ingest(_agents(tmp_path, "more.csv"), "dgfip.agents")
    platform.move("dgfip.agents", "cloud_interne")
    platform.review_level("insee.comptes", None, by="steward@example.gouv.fr")
    assert platform.compliance() == []


def test_the_ingest_message_warns_when_the_recorded_level_breaks_the_zone(
    platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the check before the commit missed (here: made to see nothing) is caught once the record derives the level.
    from patrimoine.classify.classifier import Classification

    monkeypatch.setattr(patrimoine.hosting.admission, "classify_column", lambda *_: Classification([], []))
    result = platform.ingest(_agents(tmp_path), "dgfip.agents", zone="cloud_public")
    assert result.status == "created"
    assert "warning: dgfip.agents (level restreint) may not live in zone cloud_public" in result.message
    assert "compliance report" in result.message
    assert [v.table for v in platform.compliance()] == ["dgfip.agents"]


def test_an_overwrite_is_judged_on_its_new_rows(platform: Platform, tmp_path: Path) -> None:
    platform.ingest(_agents(tmp_path), "dgfip.fichier")
    with pytest.raises(Forbidden):
        platform.move("dgfip.fichier", "cloud_public")
    # The e-mails go; the new version alone decides (the next move is the deployer's decision, not the ingest's).
    platform.ingest(_counts(tmp_path), "dgfip.fichier", mode="overwrite")
    assert platform.move("dgfip.fichier", "cloud_public").level == "public"
    # But a steward's table level outlives the rows: an overwrite does not escape it.
    platform.review_level("dgfip.fichier", "public", reason="vérifié", by="steward@example.gouv.fr")
    platform.declare_regime("dgfip.fichier", "secret_fiscal")
    with pytest.raises(Forbidden, match=r"before reading the file.*regimes\.secret_fiscal"):
        platform.ingest(_counts(tmp_path, "b.csv", 5), "dgfip.fichier", mode="overwrite")


def test_the_zone_of_an_ingest_interrupted_after_its_commit_is_recovered(
    platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as mp:
        mp.setattr(patrimoine.ingest, "profile_table", lambda *_a, **_k: (_ for _ in ()).throw(RuntimeError("boom")))
        with pytest.raises(RuntimeError, match="boom"):
            platform.ingest(_agents(tmp_path), "dgfip.agents", zone="cloud_interne")
    settings = platform.settings
    with patrimoine.open(settings.home, database_url=settings.database_url) as again:
        placed = again.zone("dgfip.agents")  # recovers first
        assert (placed.zone, placed.declared) == ("cloud_interne", True)


def _write_rules(home: Path, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "hosting.toml").write_text(text, encoding="utf-8")


def test_a_bad_rule_file_is_named_precisely_and_stops_ingests(platform: Platform, tmp_path: Path) -> None:
    text = DEFAULT_FILE.read_text(encoding="utf-8").replace(
        'secret = ["cloud_interne", "on_premise_homologue"]', 'secret = ["cloud_interne", "cloud_prive"]'
    )
    _write_rules(platform.settings.home, text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("secret = "))
    with pytest.raises(RuleFileError) as error:
        platform.compliance()
    assert error.value.key == "levels.secret" and error.value.line == line
    assert str(error.value).startswith(f"{platform.settings.home / 'hosting.toml'}, line {line}: levels.secret: ")
    assert "zone 'cloud_prive' is not declared in [zones]" in str(error.value)
    with pytest.raises(ConfigError, match="cloud_prive"):  # fail closed: no ingest against rules that do not hold
        platform.ingest(_counts(tmp_path), "insee.comptes")


def test_the_deployer_file_replaces_the_default(platform: Platform, tmp_path: Path) -> None:
    _write_rules(
        platform.settings.home,
        'default_zone = "datacenter"\n'
        '[zones.datacenter]\nlabel = "Centre serveur"\nqualification = "homologué"\n'
        '[zones.nuage]\nlabel = "Nuage"\nqualification = "aucune"\n'
        '[levels]\npublic = ["datacenter", "nuage"]\ninterne = ["datacenter", "nuage"]\n'
        'restreint = ["datacenter"]\nsecret = ["datacenter"]\n',
    )
    assert list(platform.hosting.zones) == ["datacenter", "nuage"]
    platform.ingest(_agents(tmp_path), "dgfip.agents")
    assert platform.zone("dgfip.agents").zone == "datacenter"
    with pytest.raises(Forbidden, match=r"levels\.restreint = \[datacenter\]"):
        platform.move("dgfip.agents", "nuage")


def test_a_changed_scale_needs_its_own_rule_file(tmp_path: Path, database_url: str) -> None:
    home = tmp_path / "scaled"
    home.mkdir()
    (home / "patrimoine.toml").write_text(
        '[sensitivity]\nlevels = ["ouvert", "protege"]\nlabels = { email = "protege", nir = "protege", iban = "protege",'
        ' phone_fr = "protege", person_name = "protege", birth_date = "protege", postal_address = "protege",'
        ' cadastral_parcel = "ouvert", gps_coordinate = "ouvert", bic = "ouvert" }\n'
        'regimes = { rgpd = "protege", secret_fiscal = "protege", secret_statistique = "protege",'
        ' secret_affaires = "protege", diffusion_restreinte = "protege" }\n',
        encoding="utf-8",
    )
    with patrimoine.open(home, database_url=database_url) as p:
        p.ingest(_agents(tmp_path), "dgfip.agents")  # no rules fit: nothing to check, nothing refused
        with pytest.raises(NoRules, match="compliance --init"):
            p.compliance()
        with pytest.raises(NoRules):
            p.ingest(_counts(tmp_path), "insee.comptes", zone="cloud_public")
    _write_rules(
        home,
        'default_zone = "local"\n[zones.local]\nlabel = "Local"\nqualification = "homologué"\n'
        '[levels]\nouvert = ["local"]\nprotege = ["local"]\n',
    )
    with patrimoine.open(home, database_url=database_url) as p:
        assert p.compliance() == [] and p.zone("dgfip.agents").zone == "local"


def _run(home: Path, *args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATRIMOINE_")}
    env["PATRIMOINE_DATABASE_URL"] = database_url
    return subprocess.run(
        [str(BIN), "--home", str(home), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_cli_zone_and_compliance(tmp_path: Path, database_url: str) -> None:
    home = tmp_path / "home"
    path = _agents(tmp_path)
    assert _run(home, "ingest", str(path), "--table", "dgfip.agents", database_url=database_url).returncode == 0
    moved = _run(home, "zone", "set", "dgfip.agents", "cloud_public", database_url=database_url)
    assert moved.returncode == 5 and RESTREINT in moved.stderr and moved.stderr.startswith("error: move refused")
    moved = _run(home, "zone", "set", "dgfip.agents", "cloud_secnumcloud", "--json", database_url=database_url)
    assert moved.returncode == 0, moved.stderr
    assert json.loads(moved.stdout)["zone"] == "cloud_secnumcloud"
    shown = json.loads(_run(home, "zone", "show", "dgfip.agents", "--json", database_url=database_url).stdout)
    assert (shown["zone"], shown["level"], shown["violation"]) == ("cloud_secnumcloud", "restreint", None)
    listed = json.loads(_run(home, "zone", "list", "--json", database_url=database_url).stdout)
    assert listed["default_zone"] == "on_premise_homologue"
    assert [z["zone"]["name"] for z in listed["zones"]] == [
        "cloud_public", "cloud_secnumcloud", "cloud_interne", "on_premise_homologue"
    ]  # fmt: skip
    assert listed["zones"][0]["levels"] == ["public"]
    clean = _run(home, "compliance", "--json", database_url=database_url)
    assert clean.returncode == 0 and json.loads(clean.stdout)["violations"] == []

    declared = _run(home, "review", "regime", "dgfip.agents", "diffusion_restreinte", database_url=database_url)
    assert declared.returncode == 0, declared.stderr
    report = _run(home, "compliance", "--json", database_url=database_url)
    assert report.returncode == 9, report.stderr
    assert "1 table(s) in a zone" in report.stderr
    (violation,) = json.loads(report.stdout)["violations"]
    assert (violation["table"], violation["level"], violation["zone"]) == (
        "dgfip.agents",
        "secret",
        "cloud_secnumcloud",
    )
    assert "regimes.diffusion_restreinte = [cloud_interne, on_premise_homologue]" in violation["rules"]
    assert violation["action"].startswith("move it to cloud_interne or on_premise_homologue")
    shown_text = _run(home, "compliance", database_url=database_url)
    assert shown_text.returncode == 9 and "dgfip.agents" in shown_text.stdout

    assert _run(home, "zone", "set", "dgfip.agents", "cloud_interne", database_url=database_url).returncode == 0
    assert _run(home, "compliance", database_url=database_url).returncode == 0

    written = _run(home, "compliance", "--init", database_url=database_url)
    assert written.returncode == 0, written.stderr
    assert (home / "hosting.toml").read_text(encoding="utf-8") == DEFAULT_FILE.read_text(encoding="utf-8")
    again = _run(home, "compliance", "--init", database_url=database_url)
    assert again.returncode == 4 and "exists already" in again.stderr
