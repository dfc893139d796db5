"""The audit log: reads and changes recorded with who, when and the decision; any tampering is found."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update

from patrimoine import InputError, Platform
from patrimoine.store.tables import audit_log


@pytest.fixture
def audited(platform: Platform, tmp_path: Path) -> Platform:
    path = tmp_path / "c.csv"
    path.write_text("code,n\n01,1\n02,2\n", encoding="utf-8")
    platform.ingest(path, "insee.c")
    platform.sql("SELECT count(*) FROM insee.c")
    with pytest.raises(InputError):
        platform.sql("DELETE FROM insee.c")
    platform.describe("insee.c", title="Codes")
    platform.declare_regime("insee.c", "rgpd", by="owner@example.gouv.fr")
    return platform


def test_reads_and_changes_are_recorded(audited: Platform) -> None:
    records = list(reversed(audited.audit_search()))
    assert [(r.action, r.decision) for r in records] == [
        ("ingest", "allowed"),
        ("sql.read", "allowed"),
        ("sql.read", "refused"),
        ("metadata.update", "allowed"),
        ("classification.regime", "allowed"),
    ]
    assert records[2].reasons and "only SELECT" in records[2].reasons[0]
    assert records[1].details["query"] == "SELECT count(*) FROM insee.c" and records[1].details["rows"] == 1
    assert records[4].actor == "owner@example.gouv.fr" and records[4].target == "insee.c"
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert audited.audit_verify().ok


def test_search_filters(audited: Platform) -> None:
    assert [r.seq for r in audited.audit_search(action="sql")] == [3, 2]
    assert [r.action for r in audited.audit_search(target="insee.c", limit=2)] == ["classification.regime",
                                                                                   "metadata.update"]  # fmt: skip
    assert [r.seq for r in audited.audit_search(actor="owner@example.gouv.fr")] == [5]
    assert audited.audit_search(since=datetime(2999, 1, 1, tzinfo=UTC)) == []
    with pytest.raises(InputError, match="limit"):
        audited.audit_search(limit=0)


def _tamper(platform: Platform, statement: object) -> list[str]:
    with platform.store.begin() as conn:
        conn.execute(statement)  # type: ignore[call-overload]
    result = platform.audit_verify()
    assert not result.ok
    return result.problems


def test_an_altered_record_is_found(audited: Platform) -> None:
    problems = _tamper(audited, update(audit_log).where(audit_log.c.seq == 2).values(actor="someone-else"))
    assert problems == ["record 2 was altered: its content no longer matches its hash"]


def test_a_deleted_record_is_found(audited: Platform) -> None:
    problems = _tamper(audited, delete(audit_log).where(audit_log.c.seq == 3))
    assert any("records 3 to 3 are missing" in p for p in problems)


def test_a_record_cut_off_the_end_is_found(audited: Platform) -> None:
    problems = _tamper(audited, delete(audit_log).where(audit_log.c.seq == 5))
    assert any("should end at record 5" in p for p in problems)


def test_an_inserted_record_is_found(audited: Platform) -> None:
    with audited.store.read() as conn:
        last = conn.execute(select(audit_log).where(audit_log.c.seq == 5)).mappings().one()
    forged = {**last, "seq": 6, "actor": "intruder", "prev_hash": last["hash"]}
    problems = _tamper(audited, insert(audit_log).values(**forged))
    assert any("record 6 was altered" in p for p in problems) and any("should end at record 5" in p for p in problems)


def test_cli_verify_exits_non_zero_on_tampering(audited: Platform, database_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATRIMOINE_")}
    env["PATRIMOINE_DATABASE_URL"] = database_url
    command = [
        str(Path(sys.executable).with_name("patrimoine")),
        "--home",
        str(audited.settings.home),
        "audit",
        "verify",
    ]
    ok = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert ok.returncode == 0 and "5 records chained" in ok.stdout
    with audited.store.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 1).values(target="elsewhere"))
    bad = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert bad.returncode == 8 and "record 1 was altered" in bad.stdout
    assert bad.stderr.startswith("error: the audit log was tampered with")
