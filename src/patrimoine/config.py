"""Settings: environment variables PATRIMOINE_* first, then an optional patrimoine.toml, then defaults.

PATRIMOINE_HOME holds everything of the embedded default: the SQLite file and the warehouse folder.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from patrimoine.errors import ConfigError

DEFAULT_HOME = ".patrimoine"


@dataclass(frozen=True)
class QueryLimits:
    memory_limit: str = "2GB"
    threads: int = 2
    timeout_seconds: float = 60.0
    max_rows: int = 100_000


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    warehouse: Path
    query: QueryLimits = field(default_factory=QueryLimits)
    sensitivity: dict[str, Any] = field(default_factory=dict)  # [sensitivity]: levels, labels, regimes

    def redacted_database_url(self) -> str:
        """The database URL without its password, for messages and logs."""
        from sqlalchemy.engine import make_url

        return make_url(self.database_url).render_as_string(hide_password=True)


def _toml(home: Path, explicit: Path | None) -> dict[str, Any]:
    path = explicit or home / "patrimoine.toml"
    if not path.exists():
        if explicit is not None:
            raise ConfigError(f"{path}: configuration file not found")
        return {}
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def actor(env: dict[str, str] | None = None) -> str:
    """Who acts, for decisions recorded with who and when: PATRIMOINE_USER, else the system user."""
    import getpass

    env = dict(os.environ) if env is None else env
    try:
        return env.get("PATRIMOINE_USER") or getpass.getuser()
    except OSError:  # no user name in a bare container
        return "local operator"


def load_settings(home: str | Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Resolve the settings for a platform rooted at `home` (or PATRIMOINE_HOME, or ./.patrimoine)."""
    env = dict(os.environ) if env is None else env
    root = Path(home or env.get("PATRIMOINE_HOME") or DEFAULT_HOME).expanduser().resolve()
    config_file = env.get("PATRIMOINE_CONFIG")
    file_settings = _toml(root, Path(config_file) if config_file else None)
    lake = file_settings.get("lake", {})
    store = file_settings.get("store", {})
    query = file_settings.get("query", {})

    database_url = (
        env.get("PATRIMOINE_DATABASE_URL") or store.get("database_url") or f"sqlite:///{root / 'patrimoine.db'}"
    )
    warehouse = Path(env.get("PATRIMOINE_WAREHOUSE") or lake.get("warehouse") or root / "warehouse")
    if not warehouse.is_absolute():
        warehouse = (root / warehouse).resolve()

    def query_value(name: str, cast: type, default: Any) -> Any:
        raw = env.get(f"PATRIMOINE_QUERY__{name.upper()}", query.get(name, default))
        try:
            return cast(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"query.{name}: invalid value {raw!r}") from None

    defaults = QueryLimits()
    limits = QueryLimits(
        memory_limit=query_value("memory_limit", str, defaults.memory_limit),
        threads=query_value("threads", int, defaults.threads),
        timeout_seconds=query_value("timeout_seconds", float, defaults.timeout_seconds),
        max_rows=query_value("max_rows", int, defaults.max_rows),
    )
    sensitivity = file_settings.get("sensitivity", {})
    if not isinstance(sensitivity, dict):
        raise ConfigError("[sensitivity] must be a table")
    return Settings(home=root, database_url=database_url, warehouse=warehouse, query=limits, sensitivity=sensitivity)


def secret(settings: Settings, name: str, env: dict[str, str] | None = None) -> bytes:
    """A secret: PATRIMOINE_SECRETS__<NAME>, else HOME/secrets/<name>, created at first use (mode 0600).

    Secrets are never printed; the file is written only by this function.
    """
    env = dict(os.environ) if env is None else env
    given = env.get(f"PATRIMOINE_SECRETS__{name.upper()}")
    if given:
        return given.encode()
    path = settings.home / "secrets" / name
    if not path.exists():
        import secrets as random

        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            return path.read_bytes().strip()
        with os.fdopen(fd, "w") as f:
            f.write(random.token_hex(32))
    return path.read_bytes().strip()
