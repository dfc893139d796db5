"""`platform.referentials`: the referential functions bound to one platform."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

from patrimoine.referentials.loading import LoadResult, Referential, get_referential, list_referentials, load
from patrimoine.referentials.matching import DETECT_THRESHOLD, Match, Values, detect_kind, match_rates

if TYPE_CHECKING:
    from patrimoine.platform import Platform


class Referentials:
    def __init__(self, platform: Platform) -> None:
        self._platform = platform

    def list(self, kind: str | None = None) -> list[Referential]:
        return list_referentials(self._platform, kind)

    def get(self, name: str) -> Referential:
        return get_referential(self._platform, name)

    def load(self, names: builtins.list[str] | None = None) -> builtins.list[LoadResult]:
        return load(self._platform, names)

    def match_rates(self, values: Values, kind: str) -> builtins.list[Match]:
        return match_rates(self._platform, values, kind)

    def detect_kind(self, values: Values, threshold: float = DETECT_THRESHOLD) -> builtins.list[str]:
        return detect_kind(self._platform, values, threshold)
