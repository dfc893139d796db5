"""The Platform: configured store, lake and engine, with the services as methods. Every interface starts here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from patrimoine import audit as audit_log
from patrimoine import catalog, people
from patrimoine.classify import service as classify
from patrimoine.classify.records import rules_from
from patrimoine.config import Settings, actor, load_settings
from patrimoine.engine import Sandboxes
from patrimoine.errors import Forbidden, InputError, NotFound, PatrimoineError
from patrimoine.glossary import Glossary
from patrimoine.hosting import HostingRules, Placement, Violation
from patrimoine.hosting import service as zones
from patrimoine.ingest import IngestOptions, Progress, ingest
from patrimoine.lake import Lake
from patrimoine.lake.readers import ReadOptions
from patrimoine.model import (
    AccessRequest,
    AuditRecord,
    Dataset,
    Decision,
    Grant,
    IngestResult,
    Notification,
    QueryResult,
    SearchResult,
    TableSensitivity,
    User,
)
from patrimoine.policy import PolicyDocument, access, from_yaml
from patrimoine.policy import records as policy_records
from patrimoine.policy import service as policy
from patrimoine.policy.catalogue import as_seen_by
from patrimoine.search import search
from patrimoine.store import Store

if TYPE_CHECKING:
    from patrimoine.referentials import Referentials


class Platform:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.home.mkdir(parents=True, exist_ok=True)
        self.store = Store(settings.database_url)
        self.store.migrate()
        self.lake = Lake(settings.database_url, settings.warehouse)
        self.rules = rules_from(settings.sensitivity)  # checked at open: a bad [sensitivity] fails early
        self._recovered = False
        self.glossary = Glossary(self.store)  # terms, synonyms and their links to columns
        self.sandboxes = Sandboxes(settings)  # locked DuckDB instances reused by queries needing the same views

    def recover(self) -> list[str]:
        """Finish catalogue records of ingests interrupted after their commit (once per process)."""
        from patrimoine.ingest.recover import recover

        if self._recovered:
            return []
        self._recovered = True
        return recover(self)

    def ingest(
        self,
        path: str | Path,
        table: str,
        *,
        mode: str = "append",
        title: str | None = None,
        description: str | None = None,
        owner: str | None = None,
        sheet: str | None = None,
        encoding: str | None = None,
        sep: str | None = None,
        progress: Progress | None = None,
        zone: str | None = None,
    ) -> IngestResult:
        """Load a CSV/TXT, XLSX, JSON or Parquet file into `namespace.table` as one new version.

        `zone`: a new table's hosting zone (default: the rule file's default_zone); refused if its level forbids it.
        """
        options = IngestOptions(mode, title, description, owner, ReadOptions(encoding, sep, sheet), zone)
        with self._refusals("ingest", table):  # a zone that forbids the data: the attempt is recorded
            result = (
                ingest(self, Path(path), table, options)
                if progress is None
                else ingest(self, Path(path), table, options, progress)
            )
        self.audit(
            "ingest",
            table,
            details={"file": Path(path).name, "status": result.status, "version": result.version, "rows": result.rows},
        )
        return result

    def dataset(self, table: str) -> Dataset:
        """A catalogue entry, if the acting user may discover it (else it does not exist for them)."""
        namespace, name = catalog.parse_table_name(table)
        self.recover()
        with self.store.read() as conn:
            found = catalog.get_dataset(conn, namespace, name)
            return as_seen_by(found, self._seen(conn, table))  # profiles quote values: none of a masked column's

    def _seen(self, conn: Connection, table: str) -> Decision:
        """The acting user's decision on a table; one they may not discover does not exist for them."""
        decision = policy.decision(conn, policy.reader(conn, actor(), self.rules), table, self.rules)
        if not decision.discover:
            raise NotFound(f"no dataset {table} in the catalogue")
        return decision

    def datasets(self, department: str | None = None) -> list[Dataset]:
        """The catalogue entries the acting user may discover."""
        self.recover()
        with self.store.read() as conn:
            found = catalog.list_datasets(conn, department)
            hidden = self._hidden(conn)
            if hidden:
                found = [d for d in found if catalog.require_id(conn, d.namespace, d.name) not in hidden]
            return found

    def _hidden(self, conn: Connection) -> frozenset[int]:
        return policy.hidden(conn, policy.reader(conn, actor(), self.rules), self.rules)

    def describe(self, table: str, columns: dict[str, str] | None = None, **changes: Any) -> Dataset:
        """Edit metadata (title, description, owner, steward, licence, frequency, keywords, ...)."""
        namespace, name = catalog.parse_table_name(table)
        with self.store.begin() as conn:
            catalog.describe(conn, namespace, name, changes, columns or {})
            audit_log.append(
                conn,
                actor(),
                "metadata.update",
                table,
                details={"fields": sorted(changes), "columns": sorted(columns or {})},
            )
        return self.dataset(table)

    def search(
        self, text: str, *, department: str | None = None, keyword: str | None = None, limit: int = 20
    ) -> SearchResult:
        self.recover()
        with self.store.read() as conn:
            hidden = self._hidden(conn)
            return search(conn, text, department=department, keyword=keyword, limit=limit, hidden=hidden)

    def sql(
        self,
        sql: str,
        *,
        as_of: str | int | datetime | None = None,
        max_rows: int | None = None,
        as_user: str | None = None,
    ) -> QueryResult:
        """Run one read-only SELECT over the lake (tables named `namespace.table`) with the reader's policy applied.

        `as_user` (admins only) runs it as another user would, to check what they get.
        """
        from patrimoine import query  # sqlglot is loaded only by commands that query

        self.recover()
        details: dict[str, Any] = {"query": sql[:2000], "as_of": None if as_of is None else str(as_of)}
        try:
            user = self.reader(as_user)
            details["as"] = user.email
            result, decisions = query.run(self, sql, user, as_of, max_rows)
        except PatrimoineError as exc:
            self.audit("sql.read", "sql", "refused", [str(exc)], details)
            raise
        details |= {
            "rows": len(result.rows),
            "tables": [d.table for d in decisions],
            "policy_version": max((d.policy_version for d in decisions), default=None),
        }
        reasons = [r for d in decisions for r in d.reasons]
        reasons += [r for d in decisions for c in d.columns if c.mask for r in c.reasons]  # why each mask
        reasons += [f.reason for d in decisions for f in d.row_filters]
        self.audit("sql.read", "sql", reasons=reasons, details=details)
        return result

    # Understanding the data: labels and sensitivity levels, reviewed by stewards.

    def classify(self, table: str) -> TableSensitivity:
        """Detect what each column holds on the current version; stewards' decisions are kept."""
        self.recover()
        result = classify.classify_table(self, table)
        self.audit("classification.run", table, details={"level": result.level})
        return result

    def sensitivity(self, table: str) -> TableSensitivity:
        """The table's and columns' sensitivity levels, each with its reasons."""
        self.recover()
        return classify.table_sensitivity(self, table)

    def review_label(
        self, table: str, column: str, label: str, status: str, *, by: str | None = None, comment: str | None = None
    ) -> TableSensitivity:
        """Confirm or reject a label (status confirmed|rejected); an unknown one is added as the steward's."""
        result = classify.review_label(self, table, column, label, status, by or actor(), comment)
        self.audit(
            "classification.label",
            f"{table}.{column}",
            reasons=[comment] if comment else [],
            details={"label": label, "status": status},
            by=by,
        )
        return result

    def review_level(
        self, table: str, level: str | None, *, column: str | None = None, by: str | None = None, reason: str = ""
    ) -> TableSensitivity:
        """Set (or, with level None, clear) a steward's level on a column or on the whole table."""
        result = classify.review_level(self, table, column, level, by or actor(), reason)
        target = f"{table}.{column}" if column else table
        self.audit("classification.level", target, reasons=[reason] if reason else [], details={"level": level}, by=by)
        return result

    def declare_regime(
        self, table: str, regime: str, *, by: str | None = None, remove: bool = False
    ) -> TableSensitivity:
        """Declare (or withdraw) a legal regime on a table: rgpd, secret_fiscal, secret_statistique, ..."""
        result = classify.review_regime(self, table, regime, by or actor(), remove)
        self.audit("classification.regime", table, details={"regime": regime, "removed": remove}, by=by)
        return result

    # People: users, their roles, clearance, department and groups.

    def user_add(
        self,
        email: str,
        *,
        roles: list[str],
        clearance: str,
        department: str | None = None,
        name: str | None = None,
        groups: list[str] | None = None,
    ) -> User:
        """Register a user with roles and a clearance (a level of the sensitivity scale)."""
        with self._refusals("user.add", email.lower()), self.store.begin() as conn:
            self._require_admin(conn)
            if "admin" not in roles and not people.list_users(conn):
                raise InputError(
                    f"register an admin first (yourself: `patrimoine user add YOU --role admin ...`): once a user "
                    f"exists, only admins manage people, so {email} alone would leave nobody able to"
                )
            people.add_user(
                conn,
                email,
                roles=roles,
                clearance=clearance,
                department=department,
                name=name,
                groups=groups or [],
                by=actor(),
                rules=self.rules,
            )
            audit_log.append(conn, actor(), "user.add", email.lower(), details={"roles": roles, "clearance": clearance})
        return self.user(email)

    def user(self, email: str | None = None) -> User:
        """A user (by default the one acting: PATRIMOINE_USER or the system user)."""
        with self.store.read() as conn:
            return people.get_user(conn, email or actor(), self.rules)

    def users(self) -> list[User]:
        with self.store.read() as conn:
            return people.list_users(conn)

    def user_grant(self, email: str, role: str) -> User:
        with self._refusals("user.grant", email.lower()), self.store.begin() as conn:
            self._require_admin(conn)
            people.grant(conn, email, role, actor())
            audit_log.append(conn, actor(), "user.grant", email.lower(), details={"role": role})
        return self.user(email)

    def user_revoke(self, email: str, role: str) -> User:
        with self._refusals("user.revoke", email.lower()), self.store.begin() as conn:
            self._require_admin(conn)
            people.revoke(conn, email, role)
            audit_log.append(conn, actor(), "user.revoke", email.lower(), details={"role": role})
        return self.user(email)

    def user_set(self, email: str, attribute: str, values: list[str]) -> User:
        """Set a user's attribute (e.g. departements = 75, 92), which row filters read as user.<attribute>."""
        with self._refusals("user.attribute", email.lower()), self.store.begin() as conn:
            self._require_admin(conn)
            people.set_attribute(conn, email, attribute, values)
            audit_log.append(conn, actor(), "user.attribute", email.lower(), details={attribute: values})
        return self.user(email)

    @contextmanager
    def _refusals(self, action: str, target: str) -> Iterator[None]:
        """A change refused for lack of rights is itself recorded (after the refused transaction rolled back)."""
        try:
            yield
        except Forbidden as exc:
            self.audit(action, target, "refused", [str(exc)])
            raise

    def _require_admin(self, conn: Connection) -> User:
        acting = policy.reader(conn, actor(), self.rules)
        if "admin" not in acting.roles:
            raise Forbidden(f"{acting.email} is not an admin")
        return acting

    # Access: one policy engine decides every read, with its reasons; grants and requests open what clearance does not.

    def reader(self, as_user: str | None = None) -> User:
        """Whom a read is decided for: the acting user, or (admins only) the user named by `as_user`."""
        with self.store.read() as conn:
            if as_user is None:
                return policy.reader(conn, actor(), self.rules)
            acting = self._require_admin(conn)
            return acting if as_user.lower() == acting.email.lower() else self._named(conn, as_user)

    def access(self, table: str, user: str | None = None) -> Decision:
        """What `user` (default: the acting user) gets of the table's current version, and why.

        About someone else: for admins, data officers and the table's owner or steward (who decide its requests).
        """
        self.recover()
        with self.store.read() as conn:
            acting = policy.reader(conn, actor(), self.rules)
            if user is None or user.lower() == acting.email.lower():
                return policy.decision(conn, acting, table, self.rules)
            policy.require_manager(conn, acting, table)
            return policy.decision(conn, self._named(conn, user), table, self.rules)

    def _named(self, conn: Connection, email: str) -> User:
        """A registered user, or `anonymous` (the public)."""
        if email == "anonymous":
            return policy.anonymous(email, self.rules)
        return people.get_user(conn, email, self.rules)

    def policy(self, version: int | None = None) -> tuple[int, PolicyDocument]:
        """The policy in force (or an earlier version) and its version number (0: the built-in default)."""
        with self.store.read() as conn:
            if version is None:
                return policy_records.current_policy(conn)
            return version, policy_records.policy_version(conn, version)

    def policy_history(self) -> list[dict[str, Any]]:
        with self.store.read() as conn:
            return policy_records.policy_history(conn)

    def set_policy(self, document: PolicyDocument | str, comment: str) -> int:
        """Store a new version of the policy (a document or its YAML); data officers and admins only."""
        if isinstance(document, str):
            document = from_yaml(document)
        if not comment.strip():
            raise InputError("say why: a policy change needs a comment")
        policy.check_document(document, self.rules)
        with self._refusals("policy.update", "policy"), self.store.begin() as conn:
            acting = policy.reader(conn, actor(), self.rules)
            policy.require_manager(conn, acting)
            version = policy_records.save_policy(conn, document, acting.email, comment.strip())
            audit_log.append(
                conn, acting.email, "policy.update", "policy", reasons=[comment], details={"version": version}
            )
        return version

    def grant(
        self,
        subject: str,
        table: str,
        *,
        purpose: str,
        legal_basis: str,
        expires_at: datetime,
        columns: list[str] | None = None,
        group: bool = False,
    ) -> Grant:
        """Let a user (or a group) read a table or some of its columns in clear, for a purpose, until a date."""
        catalog.parse_table_name(table)
        with self._refusals("grant.add", table), self.store.begin() as conn:
            acting = policy.reader(conn, actor(), self.rules)
            found = access.give(
                conn, acting, subject=subject, group=group, table=table, columns=columns,
                purpose=purpose, legal_basis=legal_basis, expires_at=expires_at,
            )  # fmt: skip
            audit_log.append(
                conn, acting.email, "grant.add", table, reasons=[found.describe()], details={"grant": found.id}
            )
        return found

    def revoke_grant(self, grant_id: int) -> Grant:
        with self._refusals("grant.revoke", f"grant #{grant_id}"), self.store.begin() as conn:
            acting = policy.reader(conn, actor(), self.rules)
            found = access.withdraw(conn, acting, grant_id)
            audit_log.append(conn, acting.email, "grant.revoke", found.table, reasons=[found.describe()])
        return found

    def grants(self, table: str | None = None, *, include_lapsed: bool = False) -> list[Grant]:
        with self.store.read() as conn:
            return policy_records.list_grants(conn, table, None if include_lapsed else datetime.now(UTC))

    def request_access(
        self, table: str, *, purpose: str, legal_basis: str, days: int, columns: list[str] | None = None
    ) -> AccessRequest:
        """Ask for a table (or columns) for a purpose and a number of days; its owner or steward is told."""
        catalog.parse_table_name(table)
        with self.store.begin() as conn:
            acting = policy.reader(conn, actor(), self.rules)
            found = access.ask(conn, acting, table, columns, purpose, legal_basis, days)
            audit_log.append(
                conn,
                acting.email,
                "access.request",
                table,
                reasons=[purpose],
                details={"request": found.id, "days": days},
            )
        return found

    def decide_request(self, request_id: int, *, approve: bool, comment: str = "") -> AccessRequest:
        """Approve (a grant is created, expiring by itself) or refuse, with a comment; the requester is told."""
        with self._refusals("access.decide", f"request #{request_id}"), self.store.begin() as conn:
            acting = policy.reader(conn, actor(), self.rules)
            found = access.decide_request(conn, acting, request_id, approve, comment)
            audit_log.append(
                conn, acting.email, f"access.{found.status}", found.table, reasons=[comment] if comment else [],
                details={"request": request_id, "grant": found.grant_id},
            )  # fmt: skip
        return found

    def access_requests(self, *, status: str | None = None, mine: bool = False) -> list[AccessRequest]:
        with self.store.read() as conn:
            return access.visible_requests(conn, policy.reader(conn, actor(), self.rules), status, mine)

    def notifications(self, *, unread: bool = False, mark_read: bool = False) -> list[Notification]:
        """The acting user's notifications (decisions on their requests, requests to decide)."""
        with self.store.begin() as conn:
            found = policy_records.list_notifications(conn, actor().lower(), unread)
            if mark_read:
                policy_records.mark_read(conn, actor().lower())
        return found

    # Hosting: the zone each table lives in, and the rule file saying which levels and regimes may live where.

    @cached_property
    def hosting(self) -> HostingRules:
        """The hosting rules in force: HOME/hosting.toml if the deployer wrote one, else the shipped default."""
        return zones.load(self.settings.home, self.rules)

    def zone(self, table: str) -> Placement:
        """The table's zone, who placed it there, and whether its level and regimes allow it."""
        self.recover()
        with self.store.read() as conn:
            self._seen(conn, table)
        return zones.zone_of(self, table)

    def move(self, table: str, zone: str) -> Placement:
        """Place a table in another zone (admins, data officers, the table's owner or steward); refused with the
        rule that forbids it when its level or regimes do not allow that zone. Files are not copied."""
        before = self.zone(table).zone
        with self._refusals("hosting.move", table), self.store.begin() as conn:
            acting = policy.reader(conn, actor(), self.rules)
            policy.require_manager(conn, acting, table)
            placed = zones.move(self, table, zone, acting.email, conn)
            audit_log.append(
                conn, acting.email, "hosting.move", table, reasons=[f"{before} → {zone}"],
                details={"from": before, "to": zone, "level": placed.level},
            )  # fmt: skip
        return placed

    def compliance(self) -> list[Violation]:
        """Every table living in a zone its level or regimes do not allow, with the rule and what to do.

        Admins and data officers see every table; owners and stewards the tables they manage."""
        self.recover()
        with self.store.read() as conn:
            acting = policy.reader(conn, actor(), self.rules)
        if acting.anonymous:
            raise Forbidden(f"{acting.email} may not do this: it is for data officers, admins, owners and stewards")
        return zones.report(self, acting)

    # The audit log: who did what, when, with the decision and its reasons; hash-chained.

    def audit(
        self,
        action: str,
        target: str,
        decision: str = "allowed",
        reasons: list[str] | None = None,
        details: dict[str, Any] | None = None,
        by: str | None = None,
    ) -> int:
        """Append a record to the audit log (its own transaction)."""
        with self.store.begin() as conn:
            return audit_log.append(conn, by or actor(), action, target, decision, reasons, details)

    def audit_verify(self) -> audit_log.Verification:
        with self.store.read() as conn:
            return audit_log.verify(conn)

    def audit_search(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        target: str | None = None,
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[AuditRecord]:
        with self.store.read() as conn:
            return audit_log.search(conn, actor=actor, action=action, target=target, since=since, limit=limit)

    @property
    def referentials(self) -> Referentials:
        """The referential registry: list, get, load, match_rates, detect_kind."""
        from patrimoine.referentials import Referentials

        return Referentials(self)

    def close(self) -> None:
        self.sandboxes.close()
        self.lake.close()
        self.store.close()

    def __enter__(self) -> Platform:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def open_platform(
    home: str | Path | None = None, *, database_url: str | None = None, warehouse: str | Path | None = None
) -> Platform:
    """Open (creating if needed) the platform rooted at `home` (default: PATRIMOINE_HOME or ./.patrimoine)."""
    settings = load_settings(home)
    if database_url or warehouse:
        from dataclasses import replace

        settings = replace(
            settings,
            database_url=database_url or settings.database_url,
            warehouse=Path(warehouse).resolve() if warehouse else settings.warehouse,
        )
    return Platform(settings)
