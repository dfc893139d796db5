"""Fixtures of the reliability tests (bad input, interruptions, kill -9)."""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability_support import write_zip_bomb


@pytest.fixture(scope="session")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 0.5 MB XLSX-looking package inflating to 300 MiB, built once (about a second)."""
    return write_zip_bomb(tmp_path_factory.mktemp("bomb") / "bomb.xlsx")
