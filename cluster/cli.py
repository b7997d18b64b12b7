"""`bankflow`: bring the platform up and down, see its status, migrate its database, read its mail,
verify the audit trail, grant staff roles, write the regulatory reports."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any

import asyncpg

from actors import audit, reports, sessions
from actors import roles as user_roles
from actors.redis_client import connect_redis
from actors.settings import Settings, SettingsError, load_settings
from cluster import dashboards, kuberay, mailbox_reader, migrations, ray_runtime, stack
from cluster.embedded import smtp
from cluster.embedded.process import ServiceError
from models.audit import AuditOrigin
from models.failures import ServiceFailure
from models.identity import Role
from models.reports import ReportError, ctr_csv, kyc_csv, sar_csv

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_SETTINGS = 2
READYZ_TIMEOUT_S = 10
MAIL_LIST_DEFAULT_LIMIT = 20


def _say(line: str) -> None:
    print(line, flush=True)


def _cmd_up(settings: Settings, arguments: argparse.Namespace) -> int:
    try:
        endpoints = stack.up(settings, progress=_say, demo=arguments.demo)
    except (ServiceError, KeyboardInterrupt):
        if arguments.foreground:
            _say("start-up failed or was interrupted; stopping what was started…")
            stack.down(settings, progress=_say)
        raise
    _say(f"BankFlow is up: {endpoints.http_url}  (API docs: {endpoints.http_url}/docs)")
    if not arguments.foreground:
        _say("stop it with: bankflow down")
        return EXIT_OK
    _say("press Ctrl-C to stop")
    stop_requested = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop_requested.set()

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, request_stop)
    stop_requested.wait()
    _say("stopping…")
    stack.down(settings, progress=_say)
    return EXIT_OK


def _cmd_down(settings: Settings, arguments: argparse.Namespace) -> int:
    stack.down(settings, progress=_say)
    return EXIT_OK


def _fetch_readyz(url: str) -> tuple[int, dict[str, object]]:
    try:
        # The URL is http://host:port from our own settings, never user input.
        with urllib.request.urlopen(f"{url}/readyz", timeout=READYZ_TIMEOUT_S) as response:  # nosec B310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
    except (urllib.error.URLError, OSError) as error:
        return 0, {"error": str(error)}


def _cmd_status(settings: Settings, arguments: argparse.Namespace) -> int:
    report = stack.status(settings)
    for item in report:
        _say(f"{item.component:<10} {item.mode:<9} {'ok' if item.ok else 'FAILING':<8} {item.detail}")
    url = stack.http_url(settings)
    code, body = _fetch_readyz(url)
    _say(f"{'api':<10} {'serve':<9} {'ok' if code == 200 else 'FAILING':<8} {url}/readyz → {code or 'no answer'}")
    if code and code != 200:
        _say(json.dumps(body, indent=2))
    return EXIT_OK if code == 200 and all(item.ok for item in report) else EXIT_FAILED


def _cmd_migrate(settings: Settings, arguments: argparse.Namespace) -> int:
    dsn = settings.with_endpoints().migration_url
    if not dsn:
        _say(
            "migrate: no database: set BANKFLOW_DATABASE_OWNER_URL (or BANKFLOW_DATABASE_URL)"
            " or run `bankflow up` first"
        )
        return EXIT_FAILED
    applied = asyncio.run(migrations.apply_migrations(dsn))
    for migration in applied:
        _say(f"applied {migration.version:04d}_{migration.name}")
    versions = asyncio.run(migrations.applied_versions(dsn))
    _say(f"database at version {max(versions, default=0):04d} ({len(applied)} applied now)")
    return EXIT_OK


async def _verify_audit(dsn: str, page_rows: int, progress: Callable[[int], None]) -> audit.Verification:
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=1)
    try:
        return await audit.verify(pool, page_rows, progress)
    finally:
        await pool.close()


def _cmd_audit(settings: Settings, arguments: argparse.Namespace) -> int:
    dsn = settings.with_endpoints().database_url
    if not dsn:
        _say("audit: no database: set BANKFLOW_DATABASE_URL or run `bankflow up` first")
        return EXIT_FAILED
    quiet = arguments.json

    def progress(checked: int) -> None:
        if not quiet:
            _say(f"  {checked:,} records checked")

    result = asyncio.run(_verify_audit(dsn, arguments.page_rows, progress))
    if arguments.json:
        _say(json.dumps(result.as_json()))
    elif result.intact:
        _say(f"audit trail intact: {result.checked:,} records, the last is number {result.last_seq:,}")
    else:
        _say(f"audit trail BROKEN at record {result.break_seq:,}: {result.problem}")
    return EXIT_OK if result.intact else EXIT_FAILED


async def _grant(settings: Settings, email: str, roles: list[Role]) -> list[str]:
    """The roles granted, and the user's sessions ended in the database and then in Redis."""
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=1)
    try:
        origin = AuditOrigin(user_agent="bankflow users grant")
        now, ended = await user_roles.grant_by_operator(pool, email, roles, origin)
    finally:
        await pool.close()
    if ended:
        redis = connect_redis(settings.redis_url)
        try:
            await sessions.publish_revoked(redis, ended, settings.revoked_session_ttl_s)
        finally:
            await redis.aclose()
    return now


def _cmd_users(settings: Settings, arguments: argparse.Namespace) -> int:
    reached = settings.with_endpoints()
    if not reached.database_url or not reached.redis_url:
        _say("users: no database or Redis: set BANKFLOW_DATABASE_URL and BANKFLOW_REDIS_URL or run `bankflow up` first")
        return EXIT_FAILED
    roles = [Role(role) for role in arguments.roles]
    try:
        now = asyncio.run(_grant(reached, arguments.email, roles))
    except ServiceFailure as failure:
        _say(f"users grant: {failure.failure.message}")
        return EXIT_FAILED
    _say(f"users grant: {arguments.email} now has: {', '.join(now)} (signed out everywhere; audited as the operator)")
    return EXIT_OK


async def _report(dsn: str, arguments: argparse.Namespace, settings: Settings) -> tuple[dict[str, Any], str]:
    """The report `arguments.report` names, as JSON and as CSV."""
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=1)
    zone = arguments.time_zone or settings.business_time_zone
    try:
        if arguments.report == "ctr":
            query = reports.CtrQuery(
                arguments.first_day, arguments.last_day, zone, arguments.threshold or settings.ctr_threshold
            )
            report = await reports.currency_transactions(pool, query)
            return report, ctr_csv(report["items"])
        if arguments.report == "sar":
            report = await reports.suspicious_activity(pool, arguments.first_day, arguments.last_day, zone)
            return report, sar_csv(report["cases"])
        report = await reports.kyc_status(pool)
        return report, kyc_csv(report)
    finally:
        await pool.close()


def _report_summary(name: str, report: dict[str, Any]) -> str:
    if name == "ctr":
        return f"{len(report['items']):,} candidates from {report['movements_examined']:,} cash movements"
    if name == "sar":
        unfiled = sum(1 for case in report["cases"] if case["filing"] is None)
        flagged = len(report["flagged_accounts"])
        return f"{len(report['cases']):,} cases resolved as fraud ({unfiled:,} not filed), {flagged:,} flagged accounts"
    return f"{report['total']:,} customers, {len(report['pending']):,} reviews pending"


def _cmd_reports(settings: Settings, arguments: argparse.Namespace) -> int:
    dsn = settings.with_endpoints().database_url
    if not dsn:
        _say("reports: no database: set BANKFLOW_DATABASE_URL or run `bankflow up` first")
        return EXIT_FAILED
    print(f"reports {arguments.report}: reading…", file=sys.stderr, flush=True)
    try:
        report, text = asyncio.run(_report(dsn, arguments, settings))
    except ReportError as error:
        _say(f"reports {arguments.report}: {error}")
        return EXIT_FAILED
    written = json.dumps(report, indent=2) + "\n" if arguments.format == "json" else text
    if arguments.out:
        Path(arguments.out).write_text(written, encoding="utf-8")
        print(f"reports {arguments.report}: wrote {arguments.out}", file=sys.stderr, flush=True)
    else:
        sys.stdout.write(written)
    print(f"reports {arguments.report}: {_report_summary(arguments.report, report)}", file=sys.stderr, flush=True)
    return EXIT_OK


def _cmd_mail(settings: Settings, arguments: argparse.Namespace) -> int:
    if settings.smtp_url.get_secret_value():
        _say("mail: BANKFLOW_SMTP_URL names an external SMTP server; its mail is read there, not here")
        return EXIT_FAILED
    maildir = smtp.mail_dir(settings)
    if arguments.action == "show":
        try:
            _say(mailbox_reader.show_message(maildir, arguments.key))
        except KeyError:
            _say(f"mail: no message {arguments.key} in {maildir} (`bankflow mail` lists them)")
            return EXIT_FAILED
        return EXIT_OK
    messages = mailbox_reader.list_messages(maildir, arguments.limit)
    if not messages:
        _say(f"mail: no messages in {maildir}")
        return EXIT_OK
    _say(f"{'date':<16}  {'from':<30}  {'to':<30}  {'subject':<40}  key")
    for message in messages:
        date = message.date.astimezone().strftime("%Y-%m-%d %H:%M")
        _say(
            f"{date:<16}  {message.sender:<30.30}  {message.recipients:<30.30}  {message.subject:<40.40}  {message.key}"
        )
    return EXIT_OK


def _pipeline_settings(settings: Settings) -> Settings | None:
    resolved = settings.with_endpoints().with_document_store()
    if not resolved.database_url:
        _say("pipelines: no database: set BANKFLOW_DATABASE_URL or run `bankflow up` first")
        return None
    return resolved


def _cmd_pipelines(settings: Settings, arguments: argparse.Namespace) -> int:
    # Imported here: every other command starts without loading scikit-learn and pyarrow.
    from pipelines import commands  # noqa: PLC0415
    from pipelines.population import PopulationConfig  # noqa: PLC0415
    from pipelines.synthetic import StoryConfig  # noqa: PLC0415

    if arguments.step == "generate":
        config: StoryConfig | PopulationConfig = (
            StoryConfig(arguments.customers, arguments.days, seed=arguments.seed)
            if arguments.world == "story"
            else PopulationConfig(clients=arguments.customers, days=arguments.days, seed=arguments.seed)
        )
        commands.write_story(Path(arguments.out), config, _say)
        return EXIT_OK
    resolved = _pipeline_settings(settings)
    if resolved is None:
        return EXIT_FAILED
    try:
        if arguments.step in ("train", "evaluate", "replay"):
            ray_runtime.connect(resolved)  # Ray Data reads, training runs as a task, replay uses the shards
        if arguments.step == "train":
            source = (
                commands.HistorySource(days=arguments.days)
                if arguments.from_db
                else commands.HistorySource(path=Path(arguments.data))
            )
            elsewhere = (
                PopulationConfig(clients=arguments.ood_clients, seed=arguments.ood_seed)
                if arguments.ood_clients > 0
                else None
            )
            asyncio.run(
                commands.train_and_register(
                    resolved, source, _say, promote_if_better=arguments.promote_if_better, elsewhere=elsewhere
                )
            )
        elif arguments.step == "evaluate":
            asyncio.run(commands.evaluate_serving(resolved, Path(arguments.data), _say))
        elif arguments.step == "replay":
            report = asyncio.run(
                commands.replay_story(resolved, Path(arguments.data), arguments.story, arguments.limit, _say)
            )
            return EXIT_OK if report.completed == report.movements else EXIT_FAILED
        else:
            asyncio.run(commands.promote(resolved, arguments.version, arguments.force, _say))
    except (RuntimeError, FileNotFoundError, KeyError, ValueError) as error:  # RegistryError is a RuntimeError
        _say(f"pipelines {arguments.step}: {error}")
        return EXIT_FAILED
    return EXIT_OK


def _cmd_kuberay(settings: Settings, arguments: argparse.Namespace) -> int:
    root = Path(arguments.root)
    if not (root / kuberay.TEMPLATE).exists():
        _say(f"kuberay: no {kuberay.TEMPLATE} under {root.resolve()}: run it from the repository's root (or --root)")
        return EXIT_FAILED
    try:
        if arguments.check:
            stale = [kuberay.RENDERED] if kuberay.drifted(root) else []
            stale += [path.relative_to(root) for path in dashboards.drifted(root)]
            for path in stale:
                _say(f"kuberay: {path} is out of date: run `bankflow kuberay render`")
            if stale:
                return EXIT_FAILED
            _say(f"kuberay: {kuberay.RENDERED} and the dashboards in {dashboards.DASHBOARD_DIR} are up to date")
            return EXIT_OK
        rendered = kuberay.write(root)
        written = dashboards.write(root)
    except kuberay.RenderError as error:
        _say(f"kuberay: {error}")
        return EXIT_FAILED
    _say(f"kuberay: wrote {rendered.path} (serveConfigV2 from deployments/serve_config.yaml)")
    _say(f"kuberay: wrote {len(written)} Grafana dashboards in {root / dashboards.DASHBOARD_DIR}")
    return EXIT_OK


Command = Callable[[Settings, argparse.Namespace], int]


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number (got {text})")
    return value


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a day as YYYY-MM-DD (got {text})") from None


def _add_audit(commands: Any) -> None:
    trail = commands.add_parser("audit", help="the audit trail: verify its hash chain")
    trail_steps = trail.add_subparsers(dest="step", required=True)
    verify = trail_steps.add_parser(
        "verify", help="walk every record in order; fail at the first altered or missing one"
    )
    verify.add_argument("--json", action="store_true", help="one JSON line instead of progress and a sentence")
    verify.add_argument("--page-rows", type=int, default=audit.VERIFY_PAGE_ROWS, help="records read per query")
    trail.set_defaults(handler=_cmd_audit)


def _add_users(commands: Any) -> None:
    users = commands.add_parser("users", help="the operator's hand on staff roles: the first checker, break-glass")
    users_steps = users.add_subparsers(dest="step", required=True, metavar="STEP")
    grant = users_steps.add_parser(
        "grant", help="add roles to a user, asking no checker (audited as the operator); they are signed out"
    )
    grant.add_argument("email", help="the user's email")
    grant.add_argument("roles", nargs="+", choices=[role.value for role in Role], metavar="ROLE")
    users.set_defaults(handler=_cmd_users)


def _add_reports(commands: Any) -> None:
    filings = commands.add_parser("reports", help="the regulatory reports: CTR candidates, suspicious activity, KYC")
    which = filings.add_subparsers(dest="report", required=True, metavar="REPORT")
    ctr = which.add_parser("ctr", help="customers whose cash in or out in one business day is above the threshold")
    sar = which.add_parser("sar", help="cases resolved as fraud and accounts flagged for many cases, to file")
    kyc = which.add_parser("kyc", help="customers by KYC status, pending reviews by age")
    for report in (ctr, sar):
        report.add_argument(
            "--from", dest="first_day", type=_day, required=True, help="first business day (YYYY-MM-DD)"
        )
        report.add_argument("--to", dest="last_day", type=_day, required=True, help="last business day, included")
        report.add_argument("--time-zone", help="IANA zone of the business day (default: BANKFLOW_BUSINESS_TIME_ZONE)")
    ctr.add_argument("--threshold", help="USD, e.g. 10000.00 (default: BANKFLOW_CTR_THRESHOLD)")
    for report in (ctr, sar, kyc):
        report.add_argument("--format", choices=("csv", "json"), default="csv")
        report.add_argument("--out", help="write to this file instead of the standard output")
    kyc.set_defaults(time_zone=None)
    sar.set_defaults(threshold=None)
    filings.set_defaults(handler=_cmd_reports)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bankflow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    up = commands.add_parser("up", help="start (or confirm) the platform and print its URL")
    up.add_argument("--foreground", action="store_true", help="stay until Ctrl-C, then stop everything")
    up.add_argument("--demo", action="store_true", help="also create a demo customer (KYC approved)")
    up.set_defaults(handler=_cmd_up)
    commands.add_parser("down", help="stop everything `up` started").set_defaults(handler=_cmd_down)
    commands.add_parser("status", help="each component and the API's readiness").set_defaults(handler=_cmd_status)
    commands.add_parser("migrate", help="apply pending database migrations").set_defaults(handler=_cmd_migrate)
    mail = commands.add_parser("mail", help="the mail the embedded SMTP server received, newest first")
    mail.add_argument("--limit", type=_positive, default=MAIL_LIST_DEFAULT_LIMIT, help="list at most N messages")
    mail.set_defaults(handler=_cmd_mail, action="list")
    mail_actions = mail.add_subparsers(dest="action", metavar="ACTION")
    show = mail_actions.add_parser("show", help="one message: its headers and text")
    show.add_argument("key", help="the key `bankflow mail` lists")
    _add_audit(commands)
    _add_users(commands)
    _add_reports(commands)
    pipelines = commands.add_parser("pipelines", help="fraud model: generate data, replay it, train, evaluate, promote")
    steps = pipelines.add_subparsers(dest="step", required=True, metavar="STEP")
    generate = steps.add_parser("generate", help="a seeded synthetic history with injected fraud (Parquet)")
    generate.add_argument(
        "--world",
        choices=("story", "population"),
        default="story",
        help="story: BankFlow's own generator (pipelines/synthetic.py); population: the PaySim-calibrated one "
        "(pipelines/population.py), which training judges models on out of distribution",
    )
    generate.add_argument("--out", default="transactions.parquet")
    generate.add_argument("--customers", type=int, default=2_000)
    generate.add_argument("--days", type=int, default=40)
    generate.add_argument("--seed", type=int, default=7)
    train = steps.add_parser("train", help="train on a history, evaluate on its latest 30%%, register")
    source = train.add_mutually_exclusive_group()
    source.add_argument("--data", default="transactions.parquet", help="a generated story (Parquet)")
    source.add_argument(
        "--from-db", action="store_true", help="the bank's own labelled history in PostgreSQL (Ray Data read_sql)"
    )
    train.add_argument("--days", type=_positive, default=90, help="with --from-db: how far back to read")
    train.add_argument(
        "--ood-clients",
        type=int,
        default=4_000,
        help="clients of the out-of-distribution world the model is also judged on (0: none)",
    )
    train.add_argument("--ood-seed", type=int, default=1_000_003, help="that world's seed")
    train.add_argument(
        "--promote-if-better",
        action="store_true",
        help="then make it the serving model, unless its AUC-PR is below the serving model's",
    )
    replay = steps.add_parser("replay", help="move a generated story's money in the running bank (LedgerClient)")
    replay.add_argument("--data", default="transactions.parquet")
    replay.add_argument("--story", help="the story's name; its ids derive from it (default: the file's name)")
    replay.add_argument("--limit", type=_positive, help="only the first N movements")
    evaluate = steps.add_parser("evaluate", help="the serving model on a labelled file (PaySim CSV or Parquet)")
    evaluate.add_argument("--data", required=True)
    promote = steps.add_parser("promote", help="make a registered version the serving model")
    promote.add_argument("version")
    promote.add_argument("--force", action="store_true", help="even if its AUC-PR is below the serving model's")
    pipelines.set_defaults(handler=_cmd_pipelines)
    manifests = commands.add_parser("kuberay", help="KubeRay manifests: render the RayService from the deploy config")
    manifests_steps = manifests.add_subparsers(dest="step", required=True, metavar="STEP")
    render = manifests_steps.add_parser("render", help="write kuberay/base/rayservice.yaml and the Grafana dashboards")
    render.add_argument("--check", action="store_true", help="only check that the committed file is up to date")
    render.add_argument("--root", default=".", help="the repository's root (default: here)")
    manifests.set_defaults(handler=_cmd_kuberay)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"bankflow: {error}", file=sys.stderr)
        return EXIT_BAD_SETTINGS
    handler: Command = arguments.handler
    try:
        return handler(settings, arguments)
    except ServiceError as error:
        print(f"bankflow: {error}", file=sys.stderr)
        return EXIT_FAILED
    except migrations.MigrationError as error:
        print(f"bankflow: migrations: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
