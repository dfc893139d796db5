"""Policy versions, grants, access requests and notifications in the store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update

from patrimoine.errors import Conflict, InputError, NotFound
from patrimoine.model import AccessRequest, Grant, Notification
from patrimoine.policy.document import DEFAULT, PolicyDocument
from patrimoine.store import as_utc
from patrimoine.store.tables import access_requests, grants, notifications, policies


def current_policy(conn: Connection) -> tuple[int, PolicyDocument]:
    """The policy in force and its version (0: the built-in default, never saved)."""
    row = conn.execute(select(policies).order_by(policies.c.version.desc()).limit(1)).first()
    return (0, DEFAULT) if row is None else (row.version, PolicyDocument.model_validate(row.document))


def policy_version(conn: Connection, version: int) -> PolicyDocument:
    if version == 0:
        return DEFAULT
    row = conn.execute(select(policies.c.document).where(policies.c.version == version)).first()
    if row is None:
        raise NotFound(f"no policy version {version}")
    return PolicyDocument.model_validate(row.document)


def save_policy(conn: Connection, document: PolicyDocument, by: str, comment: str) -> int:
    latest = conn.execute(select(func.max(policies.c.version))).scalar() or 0
    version = int(latest) + 1
    conn.execute(
        insert(policies).values(
            version=version,
            document=document.model_dump(mode="json", exclude_none=True),
            comment=comment,
            created_by=by,
            created_at=datetime.now(UTC),
        )
    )
    return version


def policy_history(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(policies).order_by(policies.c.version))
    return [{"version": r.version, "by": r.created_by, "at": as_utc(r.created_at), "comment": r.comment} for r in rows]


# --- Grants -----------------------------------------------------------------------------------------------------


def _grant(row: Any) -> Grant:
    return Grant(
        id=row.id,
        subject_kind=row.subject_kind,
        subject=row.subject,
        table=row.table_name,
        columns=row.columns,
        purpose=row.purpose,
        legal_basis=row.legal_basis,
        expires_at=as_utc(row.expires_at),
        granted_by=row.granted_by,
        granted_at=as_utc(row.granted_at),
        revoked_by=row.revoked_by,
        revoked_at=as_utc(row.revoked_at) if row.revoked_at else None,
        request_id=row.request_id,
    )


def add_grant(
    conn: Connection,
    *,
    subject_kind: str,
    subject: str,
    table: str,
    columns: list[str] | None,
    purpose: str,
    legal_basis: str,
    expires_at: datetime,
    by: str,
    request_id: int | None = None,
) -> Grant:
    if subject_kind not in ("user", "group"):
        raise InputError(f"a grant goes to a user or a group, not {subject_kind!r}")
    if not purpose.strip() or not legal_basis.strip():
        raise InputError("a grant needs a purpose and a legal basis")
    now = datetime.now(UTC)
    if expires_at <= now:
        raise InputError(f"the expiry date {expires_at:%Y-%m-%d %H:%M} is already past")
    grant_id = conn.execute(
        insert(grants).values(
            subject_kind=subject_kind,
            subject=subject.lower() if subject_kind == "user" else subject,
            table_name=table,
            columns=columns,
            purpose=purpose.strip(),
            legal_basis=legal_basis.strip(),
            expires_at=expires_at,
            granted_by=by,
            granted_at=now,
            request_id=request_id,
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    return get_grant(conn, int(grant_id))


def get_grant(conn: Connection, grant_id: int) -> Grant:
    row = conn.execute(select(grants).where(grants.c.id == grant_id)).first()
    if row is None:
        raise NotFound(f"no grant #{grant_id}")
    return _grant(row)


def revoke_grant(conn: Connection, grant_id: int, by: str) -> Grant:
    grant = get_grant(conn, grant_id)
    if grant.revoked_at is not None:
        raise Conflict(f"grant #{grant_id} was already revoked by {grant.revoked_by}")
    conn.execute(update(grants).where(grants.c.id == grant_id).values(revoked_by=by, revoked_at=datetime.now(UTC)))
    return get_grant(conn, grant_id)


def grants_for(conn: Connection, table: str, email: str, groups: list[str]) -> list[Grant]:
    """Every grant on the table naming the user or one of their groups (lapsed ones too, for the reasons)."""
    subject = or_(
        (grants.c.subject_kind == "user") & (grants.c.subject == email.lower()),
        (grants.c.subject_kind == "group") & grants.c.subject.in_(groups),
    )
    query = select(grants).where(grants.c.table_name == table, subject).order_by(grants.c.id)
    return [_grant(r) for r in conn.execute(query)]


def list_grants(conn: Connection, table: str | None = None, active_at: datetime | None = None) -> list[Grant]:
    query = select(grants).order_by(grants.c.id)
    if table:
        query = query.where(grants.c.table_name == table)
    found = [_grant(r) for r in conn.execute(query)]
    return [g for g in found if active_at is None or g.active(active_at)]


# --- Access requests and notifications ------------------------------------------------------------------------------


def _request(row: Any) -> AccessRequest:
    return AccessRequest(
        id=row.id,
        requester=row.requester,
        table=row.table_name,
        columns=row.columns,
        purpose=row.purpose,
        legal_basis=row.legal_basis,
        days=row.days,
        status=row.status,
        created_at=as_utc(row.created_at),
        decided_by=row.decided_by,
        decided_at=as_utc(row.decided_at) if row.decided_at else None,
        comment=row.comment,
        grant_id=row.grant_id,
    )


def add_request(
    conn: Connection, requester: str, table: str, columns: list[str] | None, purpose: str, legal_basis: str, days: int
) -> AccessRequest:
    if not purpose.strip():
        raise InputError("say what for: an access request needs a purpose")
    if not legal_basis.strip():
        raise InputError("an access request needs a legal basis (e.g. a mission, a decree, a convention)")
    if not 1 <= days <= 366:
        raise InputError(f"duration {days} days: ask for between 1 and 366 days")
    pending = conn.execute(
        select(access_requests.c.id).where(
            access_requests.c.requester == requester,
            access_requests.c.table_name == table,
            access_requests.c.status == "pending",
        )
    ).first()
    if pending:
        raise Conflict(f"request #{pending.id} for {table} is already waiting for a decision")
    request_id = conn.execute(
        insert(access_requests).values(
            requester=requester,
            table_name=table,
            columns=columns,
            purpose=purpose.strip(),
            legal_basis=legal_basis.strip(),
            days=days,
            status="pending",
            created_at=datetime.now(UTC),
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    return get_request(conn, int(request_id))


def get_request(conn: Connection, request_id: int) -> AccessRequest:
    row = conn.execute(select(access_requests).where(access_requests.c.id == request_id)).first()
    if row is None:
        raise NotFound(f"no access request #{request_id}")
    return _request(row)


def list_requests(
    conn: Connection, *, status: str | None = None, requester: str | None = None, tables: list[str] | None = None
) -> list[AccessRequest]:
    query = select(access_requests).order_by(access_requests.c.id)
    if status:
        query = query.where(access_requests.c.status == status)
    if requester:
        query = query.where(access_requests.c.requester == requester)
    if tables is not None:
        query = query.where(access_requests.c.table_name.in_(tables))
    return [_request(r) for r in conn.execute(query)]


def close_request(conn: Connection, request_id: int, status: str, by: str, comment: str, grant_id: int | None) -> None:
    conn.execute(
        update(access_requests)
        .where(access_requests.c.id == request_id)
        .values(status=status, decided_by=by, decided_at=datetime.now(UTC), comment=comment, grant_id=grant_id)
    )


def notify(conn: Connection, recipient: str, subject: str, body: str) -> None:
    """A notification record (delivered by e-mail once a mail relay is configured)."""
    conn.execute(
        insert(notifications).values(recipient=recipient, created_at=datetime.now(UTC), subject=subject, body=body)
    )


def list_notifications(conn: Connection, recipient: str, unread: bool = False) -> list[Notification]:
    query = select(notifications).where(notifications.c.recipient == recipient).order_by(notifications.c.id)
    if unread:
        query = query.where(notifications.c.read_at.is_(None))
    return [
        Notification(
            id=r.id,
            recipient=r.recipient,
            created_at=as_utc(r.created_at),
            subject=r.subject,
            body=r.body,
            read_at=as_utc(r.read_at) if r.read_at else None,
        )
        for r in conn.execute(query)
    ]


def mark_read(conn: Connection, recipient: str) -> int:
    done = conn.execute(
        update(notifications)
        .where(notifications.c.recipient == recipient, notifications.c.read_at.is_(None))
        .values(read_at=datetime.now(UTC))
    )
    return int(done.rowcount)
