import { useRef, useState } from 'react';
import type { ApiProblem } from '../api/errors';
import { SubmissionKey, sendWithKey } from '../api/idempotency';
import type { Transaction } from '../api/types';
import { useFollowedReceipt } from './followedReceipt';

export type MoneyStage = 'form' | 'review' | 'receipt';

/**
 * The life of one money form: form → review (the request as it will be sent) → receipt (the
 * API's answer, followed while its status is one of `following`). `confirm` sends the reviewed
 * request under one Idempotency-Key kept across its retries (sendWithKey); a refusal stays on the
 * review with the API's problem; `onDone` runs once it is sent. `restart` empties everything for
 * another movement (`onRestart` empties the page's own form).
 */
export function useMoneyForm<Request>({
  following,
  send,
  onDone,
  onRestart,
}: {
  following: ReadonlySet<string>;
  send: (request: Request, idempotencyKey: string) => Promise<Transaction>;
  onDone?: (receipt: Transaction) => void;
  onRestart: () => void;
}) {
  const [stage, setStage] = useState<MoneyStage>('form');
  const [request, setRequest] = useState<Request | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const { receipt, setReceipt, undecided } = useFollowedReceipt(following);
  const submission = useRef(new SubmissionKey());

  const toReview = (next: Request) => {
    setProblem(null);
    setRequest(next);
    setStage('review');
  };

  const confirm = async () => {
    if (request === null) return;
    setProblem(null);
    const outcome = await sendWithKey(submission.current, request, (idempotencyKey) => send(request, idempotencyKey));
    if ('problem' in outcome) {
      setProblem(outcome.problem);
      return;
    }
    setReceipt(outcome.done);
    setStage('receipt');
    onDone?.(outcome.done);
  };

  const restart = () => {
    onRestart();
    setRequest(null);
    setReceipt(null);
    setProblem(null);
    setStage('form');
  };

  return { stage, request, problem, receipt, undecided, toReview, confirm, restart, edit: () => setStage('form') };
}
