"""Building the banking services from settings: one database pool, one LedgerClient."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from actors.banking.accounts import AccountService
from actors.banking.directory import Directory
from actors.banking.external import ExternalTransfers, RailsTimetable
from actors.banking.fraud_client import ServeScorer
from actors.banking.records import TransactionRecords
from actors.banking.scheduler import ScheduledTransfers
from actors.banking.search import TransactionSearch
from actors.banking.transactions import MoneyRules, TransactionService
from actors.ledger.client import LedgerClient
from actors.settings import Settings
from models.fraud.check import Scorer


@dataclass
class Banking:
    pool: asyncpg.Pool
    ledger: LedgerClient
    accounts: AccountService
    transactions: TransactionService
    external: ExternalTransfers
    schedules: ScheduledTransfers
    search: TransactionSearch
    directory: Directory

    async def close(self) -> None:
        await self.ledger.close()
        await self.pool.close()


def money_rules(settings: Settings) -> MoneyRules:
    return MoneyRules(
        max_transfer_units=settings.max_transfer_units,
        authorisation_s=settings.payment_authorisation_s,
    )


def default_scorer(settings: Settings) -> Scorer:
    return ServeScorer(settings.fraud_timeout_ms, settings.fraud_timeout_allow_units)


async def connect_banking(settings: Settings, scorer: Scorer | None = None, pool_size: int = 8) -> Banking:
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=pool_size)
    ledger = LedgerClient(settings.database_url, settings.account_shards)
    directory = Directory(pool, ledger)
    records = TransactionRecords(pool)
    rules = money_rules(settings)
    transactions = TransactionService(records, ledger, directory, scorer or default_scorer(settings), rules)
    accounts = AccountService(pool, ledger, directory, records, rules)
    timetable = RailsTimetable(settings.ach_window_s, settings.wire_delay_s)
    return Banking(
        pool,
        ledger,
        accounts,
        transactions,
        ExternalTransfers(transactions, timetable),
        ScheduledTransfers(pool, transactions, directory, ledger),
        TransactionSearch(pool, ledger, directory),
        directory,
    )
