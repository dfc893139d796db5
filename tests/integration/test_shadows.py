"""Stored masks: computed once per data file, masks and key, equal to the HMAC computed on the fly, schema-safe."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from patrimoine import Platform

ADMIN, ANALYST = "admin@example.gouv.fr", "analyste@example.gouv.fr"


def pseudonym(key: bytes, value: str) -> str:
    return "ps_" + hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def test_shadows_are_written_once_and_follow_the_key(
    platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1 = tmp_path / "v1.csv"
    v1.write_text("code,montant\nA,1\nB,2\n", encoding="utf-8")
    platform.ingest(v1, "dgfip.agents")
    v2 = tmp_path / "v2.csv"  # a second file adds the e-mail column: the first file has none
    v2.write_text(
        "code,montant,email,date_naissance\n"
        "C,3,jeanne.martin@example.fr,1984-12-03\n"
        "D,4,paul.durand@example.org,1991-05-21\n",
        encoding="utf-8",
    )
    platform.ingest(v2, "dgfip.agents")
    platform.user_add(ADMIN, roles=["admin"], clearance="secret")
    monkeypatch.setenv("PATRIMOINE_USER", ADMIN)
    platform.user_add(ANALYST, roles=["analyst"], clearance="interne")
    assert platform.access("dgfip.agents", ANALYST).masked == {"email": "pseudonymise", "date_naissance": "month"}
    months = platform.sql("SELECT date_naissance FROM dgfip.agents ORDER BY code", as_user=ANALYST).rows
    assert [str(m) for (m,) in months] == ["None", "None", "1984-12-01", "1991-05-01"]

    query = "SELECT code, email FROM dgfip.agents ORDER BY code"
    first = platform.sql(query, as_user=ANALYST).rows
    key = (platform.settings.home / "secrets" / "pseudonymisation_key").read_bytes().strip()
    assert first == [
        ("A", None),
        ("B", None),
        ("C", pseudonym(key, "jeanne.martin@example.fr")),
        ("D", pseudonym(key, "paul.durand@example.org")),
    ]
    cache = platform.settings.home / "cache" / "shadows"
    shadows = sorted(cache.glob("*.parquet"))
    assert len(shadows) == 2 and not list(cache.glob(".*.tmp"))  # one per data file, no leftovers
    stamps = [p.stat().st_mtime_ns for p in shadows]
    assert platform.sql(query, as_user=ANALYST).rows == first
    assert [p.stat().st_mtime_ns for p in sorted(cache.glob("*.parquet"))] == stamps  # reused, not rewritten

    monkeypatch.setenv("PATRIMOINE_SECRETS__PSEUDONYMISATION_KEY", "une autre clé")
    other = platform.sql(query, as_user=ANALYST).rows
    assert other[2] == ("C", pseudonym("une autre clé".encode(), "jeanne.martin@example.fr"))
    assert len(list(cache.glob("*.parquet"))) == 4  # a new key makes new shadows, the old ones are never read

    # Emptying the cache is harmless: the shadows come back.
    for shadow in cache.glob("*.parquet"):
        shadow.unlink()
    assert platform.sql(query, as_user=ANALYST).rows == other
    assert platform.sql(query).rows[2] == ("C", "jeanne.martin@example.fr")  # the admin reads the lake's own files


def test_reused_sandboxes_serve_only_identical_views(
    platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "agents.csv"
    data.write_text("code,email\nA,jeanne.martin@example.fr\nB,paul.durand@example.org\n", encoding="utf-8")
    platform.ingest(data, "dgfip.agents")
    platform.user_add(ADMIN, roles=["admin"], clearance="secret")
    monkeypatch.setenv("PATRIMOINE_USER", ADMIN)
    for analyst in (ANALYST, "autre@example.gouv.fr"):
        platform.user_add(analyst, roles=["analyst"], clearance="interne")
    query = "SELECT email FROM dgfip.agents ORDER BY code"
    clear = [("jeanne.martin@example.fr",), ("paul.durand@example.org",)]
    for _ in range(2):  # interleaved: a kept instance never answers for another decision
        assert platform.sql(query).rows == clear
        masked = platform.sql(query, as_user=ANALYST).rows
        assert all(str(r[0]).startswith("ps_") for r in masked)
        assert platform.sql(query, as_user="autre@example.gouv.fr").rows == masked
    assert len(platform.sandboxes._kept) == 2  # the admin's views and the analysts' (shared: the same views)
