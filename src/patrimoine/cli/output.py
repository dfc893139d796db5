"""One way out for command results: rich tables for people, JSON for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from rich.console import Console

console = Console()
errors = Console(stderr=True)


def _default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def to_json(data: Any) -> str:
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    elif isinstance(data, list) and data and isinstance(data[0], BaseModel):
        data = [d.model_dump(mode="json") for d in data]
    return json.dumps(data, default=_default, ensure_ascii=False, indent=2)


def emit(data: Any, as_json: bool, render: Callable[[Console], None]) -> None:
    if as_json:
        sys.stdout.write(to_json(data) + "\n")
    else:
        render(console)
