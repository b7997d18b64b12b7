import { useEffect, useState } from 'react';
import { bankflowApi } from '../api/api';
import { useTransactionQuery } from '../api/money';
import type { Transaction } from '../api/types';
import { useAppDispatch } from '../hooks';

/** How often a receipt not decided yet asks for its transaction again. */
export const FOLLOW_INTERVAL_MS = 5_000;

/**
 * A receipt that follows its transaction while its status is one of `following` (held for
 * review, not settled yet): the status on screen changes when the bank decides, and the balances
 * and lists are read again once it is final.
 */
export function useFollowedReceipt(following: ReadonlySet<string>) {
  const dispatch = useAppDispatch();
  const [receipt, setReceipt] = useState<Transaction | null>(null);
  const undecided = receipt !== null && following.has(receipt.status);
  const followed = useTransactionQuery(receipt?.transaction_id ?? '', { skip: !undecided, pollingInterval: FOLLOW_INTERVAL_MS });
  useEffect(() => {
    const latest = followed.data;
    if (latest && receipt && latest.transaction_id === receipt.transaction_id && latest.status !== receipt.status) {
      setReceipt(latest);
      if (!following.has(latest.status)) dispatch(bankflowApi.util.invalidateTags(['Accounts', 'Transactions']));
    }
  }, [followed.data, receipt, dispatch, following]);
  return { receipt, setReceipt, undecided };
}
