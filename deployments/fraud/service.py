"""Fraud: scoring (lists, rules, velocity; the model joins when one is promoted), list
management (rules: rules.py), stored assessments, and the cases analysts resolve.

Scoring is called in the money path for batches of movements (see deployment.py). Support
reads scores, rules and cases; admin manages rules and lists and resolves cases. Customers
reach none of it.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final

import asyncpg
import numpy as np

from actors import approvals
from actors.audit import append
from actors.fraud.registry import REPORT_FILES_KEY, ModelRecord, ModelRegistry, RegistryError
from actors.fraud.rules_store import active_rules, configuration_version, listed_parties
from actors.fraud.velocity import Observation, VelocityStore
from actors.metrics import fraud_metrics
from actors.outbox import write_events
from deployments.fraud.access import require_admin, require_staff
from deployments.fraud.rules import RuleOperations
from models.approvals import Approved, request_view
from models.audit import AuditAction, AuditActor, AuditOrigin, AuditValue, done_by
from models.events import DomainEvent
from models.failures import ServiceFailure
from models.fraud.check import Assessment, ScoringRequest, Verdict, risk_level
from models.fraud.features import FEATURE_NAMES, Behaviour, Movement, features, vector
from models.fraud.rules import (
    HIGH_RISK_SCORE,
    SUSPICIOUS_CASES_PER_DAY,
    ListHit,
    ListKind,
    Rule,
    decide,
)
from models.identity import Principal
from models.money import format_amount, minor_units
from models.paging import CursorError, decode_cursor, decode_time_keyset, encode_cursor, encode_time_keyset
from models.topics import FRAUD_EVENTS

SOURCE: Final = "bankflow/fraud"


def _event(event_type: str, subject: str, key: str, data: dict[str, Any], distinguisher: object) -> DomainEvent:
    event_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{SOURCE}/{event_type}/{subject}/{distinguisher}")
    return DomainEvent(event_id, event_type, FRAUD_EVENTS, SOURCE, subject, key, int(time.time() * 1000), data)


def _list_fields(row: asyncpg.Record | None) -> dict[str, AuditValue]:
    """A list entry as its audit record shows it; nothing when there was none."""
    if row is None:
        return {}
    return {"list": "blacklist" if row["blocked"] else "whitelist", "reason": row["reason"]}


def _case_view(row: asyncpg.Record, history: Sequence[asyncpg.Record] | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "case_id": str(row["case_id"]),
        "transaction_id": str(row["transaction_id"]),
        "account_id": str(row["account_id"]),
        "verdict": row["verdict"],
        "score": row["score"],
        "reasons": json.loads(row["reasons"]),
        "status": row["status"],
        "resolution": row["resolution"],
        "note": row["note"],
        "opened_at": row["opened_at"].isoformat(),
        "resolved_at": None if row["resolved_at"] is None else row["resolved_at"].isoformat(),
    }
    if history is not None:
        view["history"] = [
            {
                "action": item["action"],
                "actor": None if item["actor"] is None else str(item["actor"]),
                "note": item["note"],
                "at": item["at"].isoformat(),
            }
            for item in history
        ]
    return view


def _entry_view(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "kind": row["kind"],
        "value": row["value"],
        "list": "blacklist" if row["blocked"] else "whitelist",
        "reason": row["reason"],
        "created_by": None if row["created_by"] is None else str(row["created_by"]),
        "created_at": row["created_at"].isoformat(),
    }


def report_view(version: str | None, metrics: dict[str, Any] | None) -> list[dict[str, str]]:
    """A version's report files, each with where staff fetch it."""
    if version is None or metrics is None:
        return []
    return [
        {"name": name, "url": f"/api/v1/fraud/models/{version}/report/{name}"}
        for name in metrics.get(REPORT_FILES_KEY, [])
    ]


def _version_view(record: ModelRecord) -> dict[str, Any]:
    return {
        "version": record.version,
        "serving": record.serving,
        "metrics": record.metrics,
        "features": record.features,
        "data_window": record.data_window,
        "report": report_view(record.version, record.metrics),
    }


class FraudService(RuleOperations):
    def __init__(self, pool: asyncpg.Pool, velocity: VelocityStore, registry: ModelRegistry) -> None:
        self._pool = pool
        self._velocity = velocity
        self._registry = registry
        self._rules: list[Rule] = []
        self._lists: dict[tuple[str, str], bool] = {}
        self._configuration_version: int | None = None  # of the rules and lists held
        self.model_version: str | None = None
        self.model_metrics: dict[str, Any] | None = None
        self._model: Any = None

    async def follow_registry(self) -> None:
        """Load the serving model if it changed; the swap is one assignment, between batches."""
        record = await self._registry.serving()
        if record is None:
            self._model, self.model_version, self.model_metrics = None, None, None
            return
        if record.version == self.model_version:
            return
        loaded = await self._registry.load(record)
        if list(loaded["features"]) != list(FEATURE_NAMES):
            raise RegistryError(f"{record.version} was trained on other features than this scorer computes")
        self._model, self.model_version, self.model_metrics = loaded["model"], record.version, record.metrics

    def _model_scores(self, vectors: list[list[float]]) -> list[int | None]:
        model = self._model
        if model is None or not vectors:
            return [None] * len(vectors)
        probabilities = model.predict_proba(np.asarray(vectors, dtype=np.float64))[:, 1]
        return [round(100 * float(p)) for p in probabilities]

    # --- scoring --------------------------------------------------------------------------------

    async def _current_rules(self) -> tuple[list[Rule], dict[tuple[str, str], bool]]:
        """The rules and lists as they are now: reloaded when their version moved, so that an
        admin's change applies to the next movement in every process that scores."""
        version = await configuration_version(self._pool)
        if version != self._configuration_version:
            self._rules = await active_rules(self._pool)
            self._lists = await listed_parties(self._pool)
            self._configuration_version = version
        return self._rules, self._lists

    async def evaluate(
        self, requests: Sequence[ScoringRequest]
    ) -> list[tuple[Assessment, dict[str, float], list[Observation]]]:
        """Each request's assessment and the features behind it (nothing recorded)."""
        rules, lists = await self._current_rules()
        now_ms = int(time.time() * 1000)
        observations = [
            Observation(
                str(request.transaction_id),
                str(request.account_id),
                request.payee,
                request.amount_minor,
                request.at_ms or now_ms,
            )
            for request in requests
        ]
        behaviours: list[Behaviour] = await self._velocity.behaviours(
            observations, [request.balance_minor for request in requests]
        )
        named = [
            features(Movement(request.kind, request.amount_minor, seen.at_ms, seen.counterparty), behaviour)
            for request, seen, behaviour in zip(requests, observations, behaviours, strict=True)
        ]
        model_scores = self._model_scores([vector(values) for values in named])
        results = []
        for request, seen, values, model_score in zip(requests, observations, named, model_scores, strict=True):
            values["amount"] = request.amount_minor / 10 ** minor_units(request.currency)
            hits = [
                ListHit(kind, value, lists[(kind.value, value)])
                for kind, value in (
                    (ListKind.ACCOUNT, str(request.account_id)),
                    (ListKind.COUNTERPARTY, request.payee),
                    (ListKind.DEVICE, request.device_id),
                    (ListKind.IP, request.ip),
                )
                if value is not None and (kind.value, value) in lists
            ]
            results.append((decide(values, rules, hits, model_score), values, [seen]))
        return results

    async def assess_many(self, requests: Sequence[ScoringRequest]) -> list[Assessment]:
        """Score movements in the money path: stored, cases opened, velocity recorded."""
        began = time.perf_counter()
        evaluated = await self.evaluate(requests)
        async with self._pool.acquire() as connection, connection.transaction():
            # One statement for the whole batch: executemany would bind and run it per row.
            await connection.execute(
                """INSERT INTO fraud_assessments (transaction_id, account_id, verdict, score, reasons, features,
                       model_version)
                   SELECT u.*, $7::text FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::smallint[], $5::jsonb[],
                       $6::jsonb[]) AS u
                   ON CONFLICT (transaction_id) DO NOTHING""",
                [request.transaction_id for request in requests],
                [request.account_id for request in requests],
                [assessment.verdict.value for assessment, _, _ in evaluated],
                [assessment.score for assessment, _, _ in evaluated],
                [json.dumps(list(assessment.reasons)) for assessment, _, _ in evaluated],
                [json.dumps(values) for _, values, _ in evaluated],
                self.model_version,
            )
            for request, (assessment, _, _) in zip(requests, evaluated, strict=True):
                if assessment.verdict is not Verdict.ALLOW or assessment.score >= HIGH_RISK_SCORE:
                    await self._open_case(connection, request, assessment)
        await self._velocity.record([seen for _, _, observed in evaluated for seen in observed])
        metrics = fraud_metrics()
        metrics.scoring_latency_ms.observe((time.perf_counter() - began) * 1000)
        model_version = self.model_version or "rules"
        for outcome, count in Counter(assessment.verdict.value for assessment, _, _ in evaluated).items():
            metrics.decisions.inc(count, tags={"outcome": outcome, "model_version": model_version})
        return [assessment for assessment, _, _ in evaluated]

    async def _open_case(self, connection: Any, request: ScoringRequest, assessment: Assessment) -> None:
        case_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{SOURCE}/case/{request.transaction_id}")
        opened = await connection.fetchval(
            """INSERT INTO fraud_cases (case_id, transaction_id, account_id, verdict, score, reasons)
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (transaction_id) DO NOTHING RETURNING case_id""",
            case_id,
            request.transaction_id,
            request.account_id,
            assessment.verdict.value,
            assessment.score,
            json.dumps(list(assessment.reasons)),
        )
        if opened is None:
            return
        await connection.execute(
            "INSERT INTO fraud_case_history (case_id, seq, action, note) VALUES ($1, 1, 'opened', $2)",
            case_id,
            ", ".join(assessment.reasons),
        )
        account = str(request.account_id)
        data = {
            "case_id": str(case_id),
            "transaction_id": str(request.transaction_id),
            "account_id": account,
            "amount": format_amount(request.amount_minor, request.currency),
            "currency": request.currency,
            "verdict": assessment.verdict.value,
            "score": assessment.score,
            "reasons": list(assessment.reasons),
        }
        events = [_event("fraud.detected", str(case_id), account, data, "opened")]
        if assessment.verdict is Verdict.BLOCK or assessment.score >= HIGH_RISK_SCORE:
            events.append(_event("fraud.high_risk", str(case_id), account, data, "opened"))
        recent = await connection.fetchval(
            "SELECT count(*) FROM fraud_cases WHERE account_id = $1 AND opened_at > now() - interval '1 day'",
            request.account_id,
        )
        if recent >= SUSPICIOUS_CASES_PER_DAY:
            day = time.strftime("%Y-%m-%d", time.gmtime())
            suspicious = {"account_id": account, "cases_last_24h": recent}
            events.append(_event("account.suspicious", account, account, suspicious, day))
        await write_events(connection, events)

    async def analyze(self, principal: Principal, scoring: ScoringRequest) -> dict[str, Any]:
        """A dry run: what the check would say now, and why (nothing stored or counted)."""
        require_staff(principal)
        ((assessment, values, _),) = await self.evaluate([scoring])
        return {
            "score": assessment.score,
            "risk_level": risk_level(assessment.score),
            "verdict": assessment.verdict.value,
            "reasons": list(assessment.reasons),
            "features": values,
            "model_version": self.model_version,
        }

    async def score(self, principal: Principal, transaction_id: uuid.UUID) -> dict[str, Any]:
        require_staff(principal)
        row = await self._pool.fetchrow("SELECT * FROM fraud_assessments WHERE transaction_id = $1", transaction_id)
        if row is None:
            raise ServiceFailure(404, "not_found", "no score for this transaction")
        return {
            "transaction_id": str(transaction_id),
            "account_id": str(row["account_id"]),
            "score": row["score"],
            "risk_level": risk_level(row["score"]),
            "verdict": row["verdict"],
            "reasons": json.loads(row["reasons"]),
            "features": json.loads(row["features"]),
            "model_version": row["model_version"],
            "scored_at": row["created_at"].isoformat(),
        }

    # --- allow and block lists (the rules are RuleOperations') -------------------------------

    async def add_to_list(
        self, principal: Principal, blocked: bool, kind: str, value: str, reason: str | None, origin: AuditOrigin
    ) -> dict[str, Any]:
        require_admin(principal)
        list_kind = ListKind(kind).value
        async with self._pool.acquire() as connection, connection.transaction():
            before = await connection.fetchrow(
                "SELECT * FROM fraud_lists WHERE kind = $1 AND value = $2 FOR UPDATE", list_kind, value
            )
            row = await connection.fetchrow(
                """INSERT INTO fraud_lists (kind, value, blocked, reason, created_by) VALUES ($1, $2, $3, $4, $5)
                   ON CONFLICT (kind, value) DO UPDATE SET blocked = EXCLUDED.blocked, reason = EXCLUDED.reason,
                       created_by = EXCLUDED.created_by, created_at = now()
                   RETURNING *""",
                list_kind,
                value,
                blocked,
                reason,
                principal.user_id,
            )
            assert row is not None
            changed = _list_fields(before), _list_fields(row)
            target = ("fraud_list", f"{list_kind}:{value}")
            await append(connection, done_by(principal, origin, AuditAction.FRAUD_LIST_ADD, target, *changed, reason))
        return _entry_view(row)

    async def list_entries(self, principal: Principal, blocked: bool, limit: int, cursor: str | None) -> dict[str, Any]:
        """One list (allow or block), ordered by kind then value, a page at a time."""
        require_staff(principal)
        after = ["", ""]
        if cursor is not None:
            try:
                after = decode_cursor(cursor, 2)
            except CursorError:
                raise ServiceFailure(422, "validation_error", "cursor: is not one this API returned") from None
        rows = await self._pool.fetch(
            """SELECT * FROM fraud_lists WHERE blocked = $1 AND (kind, value) > ($2, $3)
               ORDER BY kind, value LIMIT $4""",
            blocked,
            after[0],
            after[1],
            limit + 1,
        )
        next_cursor = None
        if len(rows) > limit:
            last = rows[limit - 1]
            next_cursor = encode_cursor([last["kind"], last["value"]])
        return {"items": [_entry_view(row) for row in rows[:limit]], "next_cursor": next_cursor}

    async def remove_from_list(
        self, principal: Principal, blocked: bool, kind: str, value: str, origin: AuditOrigin
    ) -> dict[str, Any]:
        """Take a party off one list; scoring stops honouring it as soon as adding would take effect."""
        require_admin(principal)
        list_kind = ListKind(kind).value
        async with self._pool.acquire() as connection, connection.transaction():
            row = await connection.fetchrow(
                "DELETE FROM fraud_lists WHERE kind = $1 AND value = $2 AND blocked = $3 RETURNING *",
                list_kind,
                value,
                blocked,
            )
            if row is None:
                listed = "blacklist" if blocked else "whitelist"
                raise ServiceFailure(404, "not_found", f"no such entry on the {listed}")
            target = ("fraud_list", f"{list_kind}:{value}")
            removed = done_by(principal, origin, AuditAction.FRAUD_LIST_REMOVE, target, _list_fields(row), {})
            await append(connection, removed)
        return _entry_view(row)

    # --- cases ----------------------------------------------------------------------------------

    async def cases(
        self,
        principal: Principal,
        status: str,
        limit: int,
        cursor: str | None,
        transaction_id: uuid.UUID | None = None,
    ) -> dict[str, Any]:
        require_staff(principal)
        if transaction_id is not None:  # at most one: a transaction has one case
            row = await self._pool.fetchrow(
                "SELECT * FROM fraud_cases WHERE transaction_id = $1 AND status = $2", transaction_id, status
            )
            return {"items": [_case_view(row)] if row is not None else [], "next_cursor": None}
        after_at, after_id = datetime.min.replace(tzinfo=UTC), uuid.UUID(int=0)
        if cursor is not None:
            try:
                after_at, after_id = decode_time_keyset(cursor)
            except CursorError:
                raise ServiceFailure(422, "validation_error", "cursor: is not one this API returned") from None
        rows = await self._pool.fetch(
            """SELECT * FROM fraud_cases WHERE status = $1 AND (opened_at, case_id) > ($2, $3)
               ORDER BY opened_at, case_id LIMIT $4""",
            status,
            after_at,
            after_id,
            limit + 1,
        )
        next_cursor = None
        if len(rows) > limit:
            last = rows[limit - 1]
            next_cursor = encode_time_keyset(last["opened_at"], last["case_id"])
        return {"items": [_case_view(row) for row in rows[:limit]], "next_cursor": next_cursor}

    async def case(self, principal: Principal, case_id: uuid.UUID) -> dict[str, Any]:
        require_staff(principal)
        row = await self._pool.fetchrow("SELECT * FROM fraud_cases WHERE case_id = $1", case_id)
        if row is None:
            raise ServiceFailure(404, "not_found", "no such case")
        history = await self._pool.fetch("SELECT * FROM fraud_case_history WHERE case_id = $1 ORDER BY seq", case_id)
        return _case_view(row, history)

    async def resolve(
        self, principal: Principal, case_id: uuid.UUID, resolution: str, note: str | None, origin: AuditOrigin
    ) -> dict[str, Any]:
        """Close a case as FRAUD or FALSE_POSITIVE (a training label); a second resolution is refused."""
        require_admin(principal)
        async with self._pool.acquire() as connection, connection.transaction():
            row = await connection.fetchrow(
                """UPDATE fraud_cases SET status = 'RESOLVED', resolution = $2, note = $3, resolved_by = $4,
                       resolved_at = now()
                   WHERE case_id = $1 AND status = 'OPEN' RETURNING *""",
                case_id,
                resolution,
                note,
                principal.user_id,
            )
            if row is None:
                exists = await connection.fetchval("SELECT status FROM fraud_cases WHERE case_id = $1", case_id)
                if exists is None:
                    raise ServiceFailure(404, "not_found", "no such case")
                raise ServiceFailure(409, "case_resolved", "this case is resolved already")
            await connection.execute(
                """INSERT INTO fraud_case_history (case_id, seq, action, actor, note)
                   SELECT $1, COALESCE(max(seq), 0) + 1, $2, $3, $4 FROM fraud_case_history WHERE case_id = $1""",
                case_id,
                f"resolved:{resolution}",
                principal.user_id,
                note,
            )
            closed = {"status": "OPEN", "resolution": None}, {"status": "RESOLVED", "resolution": resolution}
            target = ("fraud_case", str(case_id))
            await append(connection, done_by(principal, origin, AuditAction.FRAUD_CASE_RESOLVE, target, *closed, note))
        return await self.case(principal, case_id)

    async def models(self, principal: Principal) -> dict[str, Any]:
        """Every registered version with its evaluation figures, oldest first, and which one serves."""
        require_staff(principal)
        records = await self._registry.versions()
        serving = next((record.version for record in records if record.serving), None)
        return {"items": [_version_view(record) for record in records], "serving_version": serving}

    async def promote(
        self,
        principal: Principal,
        version: str,
        force: bool,
        origin: AuditOrigin,
        approved: Approved | None = None,
    ) -> dict[str, Any]:
        """Admin: serve `version`, through the registry's one promotion (as `bankflow pipelines promote`).
        Under four eyes (the policy of fraud.model.promote) the maker's call opens a request, once
        the promotion would be allowed, and answers {"approval": …}; the checker's approval calls
        again with `approved`."""
        require_admin(principal)
        if await self._registry.get(version) is None:
            raise ServiceFailure(404, "not_found", f"no model version {version!r}")
        if problem := await self._registry.promotion_problem(version, force):
            raise ServiceFailure(409, "model_not_better", problem.replace("use --force", "send force"))
        if approved is None:
            governing = await approvals.policy(self._pool, AuditAction.MODEL_PROMOTE)
            if governing is not None and governing.governs():
                opened = await approvals.open_request(
                    self._pool,
                    governing,
                    uuid.uuid4(),
                    ("fraud_model", version),
                    {"version": version, "force": force},
                    f"Serve fraud model {version}" + (" (forced below the serving model's AUC-PR)" if force else ""),
                    principal,
                    None,
                    origin,
                )
                return {"approval": request_view(opened, datetime.now(UTC))}
        try:
            record = await self._registry.promote(
                version,
                force=force,
                actor=AuditActor.of(principal),
                origin=origin,
                approval_fields=None if approved is None else approved.audit_fields(),
            )
        except RegistryError as error:
            raise ServiceFailure(409, "model_not_better", str(error).replace("use --force", "send force")) from None
        return _version_view(record)  # every replica's follower loads it within seconds

    async def model(self, principal: Principal) -> dict[str, Any]:
        require_staff(principal)
        return {
            "model_version": self.model_version,
            "serving": "rules and velocity" if self.model_version is None else "model, rules and velocity",
            "metrics": self.model_metrics,
            "report": report_view(self.model_version, self.model_metrics),
        }

    async def model_report(self, principal: Principal, version: str, name: str) -> dict[str, bytes]:
        """Support/admin: one PNG file of a version's report (pipelines/report.py), as {"content": …}."""
        require_staff(principal)
        try:
            return {"content": await self._registry.report_file(version, name)}
        except RegistryError as missing:
            raise ServiceFailure(404, "not_found", str(missing)) from None
