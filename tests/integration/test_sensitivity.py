"""Labels detected at ingest, sensitivity levels with reasons, and stewards' decisions that survive ingests."""

from __future__ import annotations

from pathlib import Path

import pytest
from stdnum import luhn

from patrimoine import InputError, NotFound, Platform


def _siren(n: int) -> str:
    body = f"{n:08d}"
    return body + luhn.calc_check_digit(body)


def _nir(n: int) -> str:
    body = f"1840{n % 10}75{n % 900 + 100:03d}{n % 900 + 10:03d}"[:13]
    return body + f"{97 - int(body) % 97:02d}"


@pytest.fixture
def people(platform: Platform, tmp_path: Path) -> Platform:
    path = tmp_path / "agents.csv"
    lines = ["num_secu;courriel;siren_employeur;montant"]
    lines += [f"{_nir(i)};agent{i}@example.fr;{_siren(100000 + i)};{i},50" for i in range(60)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    platform.ingest(path, "dgfip.agents")
    return platform


def _levels(platform: Platform) -> dict[str, str]:
    return {c.column: c.level for c in platform.sensitivity("dgfip.agents").columns}


def test_labels_are_detected_at_ingest_and_levels_derived(people: Platform) -> None:
    result = people.sensitivity("dgfip.agents")
    labels = {c.column: {lab.label for lab in c.labels} for c in result.columns}
    assert "nir" in labels["num_secu"] and "email" in labels["courriel"] and "siren" in labels["siren_employeur"]
    assert _levels(people) == {"num_secu": "secret", "courriel": "restreint", "siren_employeur": "public",
                               "montant": "public"}  # fmt: skip
    assert result.level == "secret" and any("num_secu" in r for r in result.reasons)
    nir = next(lab for c in result.columns for lab in c.labels if lab.label == "nir")
    assert nir.status == "suggested" and nir.origin == "detected" and "*" in "".join(nir.examples)


def test_steward_decisions_survive_the_next_ingest(people: Platform, tmp_path: Path) -> None:
    people.review_label("dgfip.agents", "num_secu", "nir", "rejected", by="steward@example.gouv.fr", comment="test")
    people.review_label("dgfip.agents", "montant", "money_amount", "confirmed", by="steward@example.gouv.fr")
    assert _levels(people)["num_secu"] == "public"
    people.review_level("dgfip.agents", "restreint", column="montant", by="s@example.gouv.fr", reason="salaires")
    people.declare_regime("dgfip.agents", "secret_fiscal", by="owner@example.gouv.fr")
    more = tmp_path / "more.csv"
    more.write_text(f"num_secu;courriel;siren_employeur;montant\n{_nir(99)};x@example.fr;{_siren(7)};1,00\n",
                    encoding="utf-8")  # fmt: skip
    people.ingest(more, "dgfip.agents")
    result = people.sensitivity("dgfip.agents")
    nir = next(lab for c in result.columns for lab in c.labels if lab.label == "nir")
    assert (nir.status, nir.decided_by, nir.comment) == ("rejected", "steward@example.gouv.fr", "test")
    assert nir.decided_at is not None
    levels = {c.column: c for c in result.columns}
    assert levels["num_secu"].level == "public" and levels["montant"].level == "restreint"
    assert "set to restreint by s@example.gouv.fr: salaires" in levels["montant"].reasons
    assert result.level == "secret" and result.regimes == ["secret_fiscal"]
    assert any("Secret fiscal" in r for r in result.reasons)
    people.review_level("dgfip.agents", None, column="montant", by="s@example.gouv.fr")
    assert _levels(people)["montant"] == "public"


def test_classify_explains_what_it_turned_down(platform: Platform, tmp_path: Path) -> None:
    path = tmp_path / "commandes.csv"
    path.write_text("siren\n" + "\n".join(f"{100000000 + 7 * i}" for i in range(50)) + "\n", encoding="utf-8")
    platform.ingest(path, "insee.commandes")
    result = platform.classify("insee.commandes")
    column = result.columns[0]
    assert not [lab for lab in column.labels if lab.label == "siren"]
    assert any("checksum" in reason.lower() for reason in column.turned_down)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda p: p.review_label("dgfip.agents", "absent", "nir", "confirmed"), NotFound, "no column"),
        (lambda p: p.review_label("dgfip.agents", "montant", "colour", "confirmed"), InputError, "unknown label"),
        (lambda p: p.review_label("dgfip.agents", "montant", "nir", "maybe"), InputError, "confirmed or rejected"),
        (lambda p: p.review_level("dgfip.agents", "top-secret", reason="x"), InputError, "not one of"),
        (lambda p: p.review_level("dgfip.agents", "secret", reason=" "), InputError, "needs a reason"),
        (lambda p: p.declare_regime("dgfip.agents", "secret_defense"), InputError, "regime"),
        (lambda p: p.sensitivity("dgfip.absent"), NotFound, "no dataset"),
    ],
)
def test_bad_decisions_are_refused_and_change_nothing(people: Platform, call, error, message) -> None:  # type: ignore[no-untyped-def]
    before = people.sensitivity("dgfip.agents")
    with pytest.raises(error, match=message):
        call(people)
    assert people.sensitivity("dgfip.agents") == before


def test_configured_scale(tmp_path: Path, database_url: str) -> None:
    import patrimoine

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
    path = tmp_path / "m.csv"
    path.write_text("mail\n" + "\n".join(f"p{i}@example.fr" for i in range(20)) + "\n", encoding="utf-8")
    with patrimoine.open(home, database_url=database_url) as p:
        p.ingest(path, "insee.m")
        assert p.sensitivity("insee.m").level == "protege"


def test_codes_of_a_referential_are_labelled_with_match_rates(platform: Platform, tmp_path: Path) -> None:
    from sqlalchemy import select

    from patrimoine.store.tables import datasets, referential_matches

    platform.referentials.load(["cog_communes_2026", "cog_mouvements_2026", "cog_passage"])
    path = tmp_path / "ventes.csv"
    communes = Path(__file__).resolve().parents[2] / "examples" / "cog2026_communes.csv"
    current = [
        line.split(",")[1] for line in communes.read_text(encoding="utf-8").splitlines()[1:] if line.startswith("COM,")
    ]
    codes = [*current[:13], "14513"] * 3  # 14513 was merged into another commune
    path.write_text("code_commune;n\n" + "\n".join(f"{c};{i}" for i, c in enumerate(codes)) + "\n", encoding="utf-8")
    platform.ingest(path, "dgfip.ventes")
    column = next(c for c in platform.sensitivity("dgfip.ventes").columns if c.column == "code_commune")
    label = next(lab for lab in column.labels if lab.label == "cog_commune")
    assert label.confidence == pytest.approx(13 / 14, abs=0.001)
    assert "14513" in label.evidence
    with platform.store.read() as conn:
        dataset_id = conn.execute(select(datasets.c.id).where(datasets.c.name == "ventes")).scalar_one()
        rows = (
            conn.execute(select(referential_matches).where(referential_matches.c.dataset_id == dataset_id))
            .mappings()
            .all()
        )
    assert len(rows) == 1 and rows[0]["column_name"] == "code_commune" and rows[0]["total"] == 14
    assert rows[0]["matched"] == 13
    assert any(m["code"] == "14513" for m in rows[0]["details"]["merged"])
