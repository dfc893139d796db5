"""Hosting zones and compliance: where each table lives, and the rule file saying which levels may live where.

Zones (cloud_public, cloud_secnumcloud, cloud_interne, on_premise_homologue by default) are declared in a rule file
with the zones each sensitivity level and each legal regime allows (the « cloud au centre » doctrine as the deployer
reads it: HOME/hosting.toml, else the shipped hosting.toml). An ingest or a move into a zone the table's level does
not allow is refused with the rule that forbids it; the compliance report lists every table in such a zone.
"""

from patrimoine.hosting.admission import admit, admit_staged, settled
from patrimoine.hosting.rules import DEFAULT_FILE, HostingRules, RuleFileError, Zone, ZoneSummary, load_rules
from patrimoine.hosting.service import (
    NoRules,
    Placement,
    Violation,
    check,
    init_file,
    load,
    move,
    place,
    report,
    zone_of,
)

__all__ = [
    "DEFAULT_FILE",
    "HostingRules",
    "NoRules",
    "Placement",
    "RuleFileError",
    "Violation",
    "Zone",
    "ZoneSummary",
    "admit",
    "admit_staged",
    "check",
    "init_file",
    "load",
    "load_rules",
    "move",
    "place",
    "report",
    "settled",
    "zone_of",
]
