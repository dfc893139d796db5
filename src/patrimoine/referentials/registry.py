"""The referentials patrimoine ships: which file, which lake table, which column holds the code."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from patrimoine.errors import NotFound

DATA = Path(__file__).parent / "data"
NAMESPACE = "referentiel"
LICENCE_OUVERTE = "Licence Ouverte / Open Licence 2.0 (Etalab)"
COG_SOURCE = "INSEE, Code officiel géographique, via github.com/datagouv/decoupage-administratif sources/"
# The code types a column can be labelled with; the other kinds (history, passage) only support them.
CODE_KINDS = ("cog_commune", "cog_departement", "cog_region", "naf", "nc8")


@dataclass(frozen=True)
class Spec:
    name: str
    version: str
    kind: str
    file: str  # under data/, or empty for a table derived at load
    code_column: str
    label_column: str | None
    title: str
    description: str
    source: str
    licence: str
    where: str = ""  # rows that hold valid codes (a constant of this module, never user input)

    @property
    def table(self) -> str:
        return f"{NAMESPACE}.{self.name}"


SPECS = (
    Spec("cog_communes_2026", "2026", "cog_commune", "cog2026_communes.csv", "com", "libelle",
         "COG 2026 : communes", "Communes, arrondissements municipaux (TYPECOM=ARM), communes associées (COMA) et "
         "déléguées (COMD) au 1er janvier 2026.", COG_SOURCE + "communes.csv", LICENCE_OUVERTE,
         "typecom IN ('COM', 'ARM')"),
    Spec("cog_departements_2024", "2024", "cog_departement", "cog2024_departements.csv", "dep", "libelle",
         "COG 2024 : départements", "Les 101 départements au 1er janvier 2024, avec région et chef-lieu.",
         COG_SOURCE + "departements.csv", LICENCE_OUVERTE),
    Spec("cog_regions_2024", "2024", "cog_region", "cog2024_regions.csv", "reg", "libelle",
         "COG 2024 : régions", "Les 18 régions au 1er janvier 2024, avec chef-lieu.",
         COG_SOURCE + "regions.csv", LICENCE_OUVERTE),
    Spec("cog_mouvements_2026", "2026", "cog_mouvement", "cog2026_mouvements-communes.csv", "com_av", "libelle_av",
         "COG 2026 : mouvements des communes depuis 1943", "Historique des changements (MOD : 10 nom, 20 création, "
         "21 rétablissement, 30 suppression, 31 fusion simple, 32 commune nouvelle, 33 fusion-association, "
         "34 fusion-association devenue fusion simple, 35 suppression de commune déléguée, 41 changement de "
         "département, 50 transfert de chef-lieu, 70-72 changements de statut).",
         COG_SOURCE + "mouvements-communes.csv", LICENCE_OUVERTE),
    Spec("cog_passage", "2026", "cog_passage", "", "code_ancien", "libelle_actuel",
         "COG : table de passage vers les codes communes 2026", "Tout code commune connu (ancien ou actuel) et le "
         "code de la commune 2026 qui l'a absorbé, en suivant les fusions successives. Dérivée de "
         "cog_mouvements_2026 et cog_communes_2026.", "Dérivée par patrimoine de " + COG_SOURCE, LICENCE_OUVERTE),
    Spec("naf_rev2", "rev2", "naf", "naf_rev2_5niveaux.csv", "niv5", "lib_niv5",
         "NAF rév. 2 : les cinq niveaux", "Nomenclature d'activités française rév. 2 : une ligne par sous-classe "
         "(niv5, ex. 01.11Z) avec classe (niv4), groupe (niv3), division (niv2), section (niv1) et libellés.",
         "INSEE, NAF rév. 2, via github.com/InseeFrLab/codif-ape-train data/naf_extended.csv (53381b00)",
         "Licence Ouverte (INSEE)"),
    Spec("nc8_2025", "2025", "nc8", "nc8_2025_codes_libelles_fr_en_DERIVED.csv", "code_nc8", "libelle_fr",
         "Nomenclature combinée NC8 2025", "Codes NC8 à 8 chiffres avec libellés anglais officiels et libellés "
         "français dérivés (non officiels : 73 codes sans libellé français).",
         "Commission européenne (CN 2025), via github.com/xterr/php-cncodes Resources/cnCodes_2025.json, "
         "libellés FR joints depuis messages_fr.yaml", "Réutilisation autorisée (décision 2011/833/UE)"),
)  # fmt: skip
BY_NAME = {s.name: s for s in SPECS}


def spec(name: str) -> Spec:
    if name not in BY_NAME:
        raise NotFound(f"unknown referential {name!r}; known: {', '.join(BY_NAME)}")
    return BY_NAME[name]
