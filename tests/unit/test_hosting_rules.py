"""The hosting rule file: the shipped default, its reading, and errors that name the file, the key and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from patrimoine import ConfigError
from patrimoine.classify.sensitivity import SensitivityRules
from patrimoine.hosting import DEFAULT_FILE, RuleFileError, load_rules

SCALE = SensitivityRules()
ZONES = '[zones.sur_site]\nlabel = "Sur site"\nqualification = "homologué"\n'
ZONES += '[zones.nuage]\nlabel = "Nuage"\nqualification = "aucune"\ndescription = "commercial"\n'
LEVELS = '[levels]\npublic = ["sur_site", "nuage"]\ninterne = ["sur_site", "nuage"]\nrestreint = ["sur_site"]\n'
LEVELS += 'secret = ["sur_site"]\n'
GOOD = f'default_zone = "sur_site"\n{ZONES}{LEVELS}'


def _load(tmp_path: Path, text: str, scale: SensitivityRules = SCALE) -> object:
    path = tmp_path / "hosting.toml"
    path.write_text(text, encoding="utf-8")
    return load_rules(path, scale)


def _error(tmp_path: Path, text: str) -> RuleFileError:
    with pytest.raises(RuleFileError) as error:
        _load(tmp_path, text)
    assert str(error.value).startswith(str(tmp_path / "hosting.toml"))
    return error.value


def test_the_shipped_default_loads_and_follows_the_doctrine() -> None:
    rules = load_rules(DEFAULT_FILE, SCALE)
    assert list(rules.zones) == ["cloud_public", "cloud_secnumcloud", "cloud_interne", "on_premise_homologue"]
    assert rules.default_zone == "on_premise_homologue"
    assert set(rules.levels) == set(SCALE.levels) and set(rules.regimes) == set(SCALE.regime_levels)
    assert rules.allowed("public") == list(rules.zones)
    assert rules.allowed("restreint") == ["cloud_secnumcloud", "cloud_interne", "on_premise_homologue"]
    assert rules.allowed("secret") == ["cloud_interne", "on_premise_homologue"]
    assert "cloud_public" not in rules.allowed("interne")
    for regime in ("secret_fiscal", "secret_statistique", "rgpd", "secret_affaires"):
        assert "cloud_public" not in rules.allowed("public", [regime])
    assert rules.allowed("public", ["diffusion_restreinte"]) == ["cloud_interne", "on_premise_homologue"]
    assert rules.allows_everything("on_premise_homologue") and not rules.allows_everything("cloud_secnumcloud")
    text = DEFAULT_FILE.read_text(encoding="utf-8")
    assert "6264/SG" in text and "no official table" in text and "EDIT IT" in text


def test_breaches_name_every_rule_that_forbids(tmp_path: Path) -> None:
    rules = load_rules(DEFAULT_FILE, SCALE)
    assert rules.breaches("public", [], "cloud_public") == []
    assert rules.breaches("restreint", ["rgpd", "secret_fiscal"], "cloud_public") == [
        "levels.restreint = [cloud_secnumcloud, cloud_interne, on_premise_homologue]",
        "regimes.rgpd = [cloud_secnumcloud, cloud_interne, on_premise_homologue]",
        "regimes.secret_fiscal = [cloud_secnumcloud, cloud_interne, on_premise_homologue]",
    ]
    assert rules.breaches("public", [], "ailleurs")[0].startswith("zones: 'ailleurs' is not declared")
    summary = {s.zone.name: s for s in rules.summary()}
    assert summary["cloud_public"].levels == ["public"] and summary["on_premise_homologue"].default
    assert summary["cloud_secnumcloud"].regimes_refused == ["diffusion_restreinte"]


def test_a_small_file(tmp_path: Path) -> None:
    rules = _load(tmp_path, GOOD)
    assert rules.zones["nuage"].description == "commercial" and rules.regimes == {}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "key", "message", "at"),
    [
        (GOOD.replace('restreint = ["sur_site"]', 'restreint = ["sur_site", "ailleurs"]'), "levels.restreint",
         "zone 'ailleurs' is not declared in [zones] (sur_site, nuage)", "restreint ="),
        (GOOD.replace('secret = ["sur_site"]\n', ""), "levels", "no rule for level secret", "[levels]"),
        (GOOD + 'tres_secret = ["sur_site"]\n', "levels.tres_secret", "not a level of the configured scale",
         "tres_secret ="),
        (GOOD + '[regimes]\nrgdp = ["sur_site"]\n', "regimes.rgdp", "not a regime of the configured scale", "rgdp ="),
        (GOOD + '[regimes]\nrgpd = []\n', "regimes.rgpd", "non-empty list of zone names", "rgpd ="),
        (GOOD.replace('"sur_site"\n[zones', '"nuage_prive"\n[zones', 1), "default_zone",
         "'nuage_prive' is not declared", "default_zone ="),
        (GOOD.replace('label = "Nuage"\n', ""), "zones.nuage.label", "missing or not a string", "[zones.nuage]"),
        (GOOD.replace('description = "commercial"', 'descripion = "commercial"'), "zones.nuage.descripion",
         "unknown key", "descripion ="),
        (GOOD.replace("[zones.nuage]", "[zones.Nuage-Public]"), "zones.Nuage-Public", "lower-case letters",
         "[zones.Nuage-Public]"),
        ("zone_par_defaut = 1\n" + GOOD, "zone_par_defaut", "unknown key", "zone_par_defaut ="),
        (LEVELS, "zones", "declare at least one zone", None),
    ],
)  # fmt: skip
def test_mistakes_name_the_key_and_the_line(tmp_path: Path, text: str, key: str, message: str, at: str | None) -> None:
    error = _error(tmp_path, text)
    assert error.key == key and message in str(error), str(error)
    line = next((i for i, t in enumerate(text.splitlines(), 1) if t.startswith(at)), None) if at else None
    assert error.line == line
    if line:
        assert f", line {line}: {key}: " in str(error)


def test_toml_syntax_errors_give_the_line(tmp_path: Path) -> None:
    error = _error(tmp_path, GOOD.replace('interne = ["sur_site", "nuage"]', 'interne ["sur_site", "nuage"]'))
    assert error.line == GOOD.splitlines().index('interne = ["sur_site", "nuage"]') + 1
    assert "invalid TOML" in str(error)


def test_another_scale_needs_rules_of_its_own(tmp_path: Path) -> None:
    scale = SensitivityRules(levels=("ouvert", "protege"), label_levels={}, regime_levels={"rgpd": "protege"})
    with pytest.raises(RuleFileError, match="levels.public: not a level of the configured scale"):
        load_rules(DEFAULT_FILE, scale)
    with pytest.raises(ConfigError, match="cannot read"):
        load_rules(tmp_path / "absent.toml", SCALE)
