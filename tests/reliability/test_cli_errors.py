"""Bad input through the command line: exit code 2, ONE line on stderr starting with `error:`, no traceback.

Every malformed input of the catalogue goes through `patrimoine.cli.main.main` in-process (fast);
a representative few go through the real console script in subprocesses, and one real ingest is
interrupted with Ctrl-C (SIGINT).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from reliability_support import BAD, TABLE, V1_CSV, Bad, assert_unchanged, make_bad, state

from patrimoine.cli.main import main

SCRIPT = Path(sys.executable).with_name("patrimoine")
# Through the real console script: one of each kind of fault (reader, DuckDB, package, argument).
SUBPROCESS_CASES = ["ragged_long_row", "invalid_utf8", "zip_bomb_xlsx", "bad_mode"]


def _arguments(home: Path, path: Path, case: Bad) -> list[str]:
    args = ["--home", str(home), "ingest", str(path), "--table", case.table]
    for option, value in case.options.items():
        args += [f"--{option}", value]
    return args


def _assert_one_error_line(code: int, stdout: str, stderr: str, case: Bad, path: Path) -> None:
    assert code == 2, stderr  # InputError's exit code
    assert stdout == ""
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    assert case.message in lines[0], stderr
    if case.names_file:
        assert str(path) in lines[0], stderr
    if case.line is not None:
        assert f"line {case.line}" in lines[0], stderr


def test_every_bad_input_is_one_error_line(
    platform: Any,
    database_url: str,
    tmp_path: Path,
    zip_bomb: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    subtests: pytest.Subtests,
) -> None:
    home = platform.settings.home
    monkeypatch.setenv("PATRIMOINE_DATABASE_URL", database_url)
    v1 = tmp_path / "v1.csv"  # an existing table (test_bad_input covers first ingests as well)
    v1.write_bytes(V1_CSV)
    platform.ingest(v1, TABLE)
    for name, case in BAD.items():
        with subtests.test(msg=name):
            folder = tmp_path / name
            folder.mkdir()
            path = make_bad(case, folder, zip_bomb)
            before = state(platform)
            monkeypatch.setattr(sys, "argv", ["patrimoine", *_arguments(home, path, case)])
            with pytest.raises(SystemExit) as exited:
                main()
            out, err = capsys.readouterr()
            _assert_one_error_line(int(str(exited.value.code)), out, err, case, path)
            assert_unchanged(platform, before, existing=True)


def _env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATRIMOINE_")}
    return {**env, "PATRIMOINE_DATABASE_URL": database_url, "COLUMNS": "80"}


def test_the_console_script_reports_bad_input_in_one_line(
    platform: Any, database_url: str, tmp_path: Path, zip_bomb: Path
) -> None:
    home = platform.settings.home
    v1 = tmp_path / "v1.csv"
    v1.write_bytes(V1_CSV)
    platform.ingest(v1, TABLE)
    before = state(platform)
    runs = []
    for name in SUBPROCESS_CASES:  # concurrently: each pays Python's start-up
        case = BAD[name]
        folder = tmp_path / name
        folder.mkdir()
        path = make_bad(case, folder, zip_bomb)
        proc = subprocess.Popen(
            [str(SCRIPT), *_arguments(home, path, case)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(database_url),
        )
        runs.append((case, path, proc))
    for case, path, proc in runs:
        out, err = proc.communicate(timeout=120)
        _assert_one_error_line(proc.returncode, out, err, case, path)
    assert_unchanged(platform, before, existing=True)


def test_ctrl_c_during_an_ingest_is_one_line_and_keeps_the_previous_version(
    platform: Any, database_url: str, tmp_path: Path
) -> None:
    home = platform.settings.home
    v1 = tmp_path / "v1.csv"
    v1.write_bytes(V1_CSV)
    platform.ingest(v1, TABLE)
    before = state(platform)
    big = tmp_path / "big.csv"
    big.write_bytes(b"a,b\n" + b"".join(b"%d,ligne numero %d\n" % (i, i) for i in range(600_000)))
    data = home / "warehouse" / "ns" / "t" / "data"
    existing = set(data.iterdir())
    proc = subprocess.Popen(
        [str(SCRIPT), "--home", str(home), "ingest", str(big), "--table", TABLE],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(database_url),
    )
    try:
        deadline = time.monotonic() + 60
        while not set(data.iterdir()) - existing:  # the Parquet write has begun
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    assert_unchanged(platform, before, existing=True)
    assert proc.returncode == 130, err
    assert err.splitlines() == ["interrupted: nothing was committed by the interrupted step"]
