"""The audit log: every read and every change appended with who, when, what, the decision and its reasons.

Each record carries the hash of the one before it, and the chain's head is kept apart, so `verify` finds any
record altered, inserted, deleted or cut off the end.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select, update

from patrimoine.errors import InputError
from patrimoine.model import AuditRecord
from patrimoine.store import as_utc
from patrimoine.store.tables import audit_head, audit_log

GENESIS = "0" * 64


FIELDS = ("seq", "at", "actor", "action", "target", "decision", "reasons", "details", "prev_hash")


def _digest(record: Mapping[str, Any]) -> str:
    """SHA-256 of the record's canonical JSON: any change to any field changes it."""
    stamp = as_utc(record["at"]).astimezone(UTC).isoformat(timespec="microseconds")
    body = [stamp if k == "at" else record[k] for k in FIELDS]
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def append(
    conn: Connection,
    actor: str,
    action: str,
    target: str,
    decision: str = "allowed",
    reasons: list[str] | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    """Append one record in the caller's transaction; returns its sequence number."""
    # Updating the head first takes its row lock (PostgreSQL) or the write lock (SQLite): appenders queue here.
    conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=audit_head.c.seq))
    head = conn.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).one()
    seq, prev_hash = int(head.seq) + 1, str(head.hash)
    at = datetime.now(UTC)  # hashed in UTC, as SQLite (naive) and PostgreSQL (any session zone) give it back
    record = {
        "seq": seq,
        "at": at,
        "actor": actor,
        "action": action,
        "target": target,
        "decision": decision,
        "reasons": reasons or [],
        "details": details or {},
        "prev_hash": prev_hash,
    }
    digest = _digest(record)
    conn.execute(audit_log.insert().values(**record, hash=digest))
    conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=seq, hash=digest))
    return seq


@dataclass(frozen=True)
class Verification:
    ok: bool
    records: int
    problems: list[str]


def verify(conn: Connection) -> Verification:
    """Walk the chain: every record must hash to its stored hash and point at the one before it."""
    problems: list[str] = []
    prev_hash, expected_seq, count = GENESIS, 1, 0
    rows = conn.execute(select(audit_log).order_by(audit_log.c.seq)).mappings()
    for row in rows:
        count += 1
        seq = int(row["seq"])
        if seq != expected_seq:
            problems.append(f"records {expected_seq} to {seq - 1} are missing (deleted)")
        if row["prev_hash"] != prev_hash:
            problems.append(f"record {seq} does not follow the record before it (a record was deleted or inserted)")
        if _digest({k: row[k] for k in FIELDS}) != row["hash"]:
            problems.append(f"record {seq} was altered: its content no longer matches its hash")
        prev_hash, expected_seq = str(row["hash"]), seq + 1
    head = conn.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).one()
    if int(head.seq) != expected_seq - 1 or head.hash != prev_hash:
        problems.append(f"the chain should end at record {head.seq}: records were cut off the end or added after it")
    return Verification(not problems, count, problems)


def search(
    conn: Connection,
    *,
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
) -> list[AuditRecord]:
    """Records, newest first, filtered by who, what kind of action, on what (prefix), and from when."""
    if limit < 1:
        raise InputError("limit must be at least 1")
    query = select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
    if actor:
        query = query.where(audit_log.c.actor == actor)
    if action:
        query = query.where(audit_log.c.action.startswith(action))
    if target:
        query = query.where(audit_log.c.target.startswith(target))
    if since:
        query = query.where(audit_log.c.at >= since.astimezone(UTC))
    return [
        AuditRecord(
            seq=r["seq"],
            at=as_utc(r["at"]),
            actor=r["actor"],
            action=r["action"],
            target=r["target"],
            decision=r["decision"],
            reasons=list(r["reasons"]),
            details=dict(r["details"]),
            hash=r["hash"],
        )
        for r in conn.execute(query).mappings()
    ]
