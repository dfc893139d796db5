"""Update frequencies as data.gouv.fr names them (its mapping of the Dublin Core frequencies)."""

FREQUENCIES: dict[str, str] = {
    "unknown": "inconnue",
    "punctual": "ponctuelle",
    "continuous": "temps réel",
    "hourly": "toutes les heures",
    "daily": "quotidienne",
    "weekly": "hebdomadaire",
    "biweekly": "toutes les deux semaines",
    "semimonthly": "deux fois par mois",
    "monthly": "mensuelle",
    "bimonthly": "tous les deux mois",
    "quarterly": "trimestrielle",
    "threeTimesAYear": "trois fois par an",
    "semiannual": "semestrielle",
    "annual": "annuelle",
    "biennial": "tous les deux ans",
    "triennial": "tous les trois ans",
    "quinquennial": "tous les cinq ans",
    "irregular": "irrégulière",
}
