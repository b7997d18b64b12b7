import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemText from '@mui/material/ListItemText';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useMemo, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useAccountsOfUserQuery, useMeQuery } from '../api/api';
import { isRetryable, problemOf, type ApiProblem } from '../api/errors';
import { SubmissionKey } from '../api/idempotency';
import {
  groupedNumber,
  useAddPayeeMutation,
  usePayeesQuery,
  useRemovePayeeMutation,
  useRenamePayeeMutation,
  type AccountLookup,
  type Payee,
} from '../api/money';
import { Loading } from '../components/Loading';
import { ProblemAlert } from '../components/ProblemAlert';
import { RecipientLookup } from '../components/RecipientLookup';

const MAX_NICKNAME = 64;

function AddPayee({ ownNumbers, onSaved }: { ownNumbers: string[]; onSaved: (payee: Payee) => void }) {
  const { t } = useTranslation();
  const [recipient, setRecipient] = useState<AccountLookup | null>(null);
  const [nickname, setNickname] = useState('');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [confirmFirst, setConfirmFirst] = useState(false);
  const [resetKey, setResetKey] = useState(0);
  const submission = useRef(new SubmissionKey());
  const [add, { isLoading }] = useAddPayeeMutation();
  const tooLong = nickname.trim().length > MAX_NICKNAME;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    if (!recipient) {
      setConfirmFirst(true);
      return;
    }
    if (tooLong) return;
    const body = { nickname: nickname.trim() || recipient.holder_name, account_number: recipient.number };
    try {
      const saved = await add({ body, idempotencyKey: submission.current.forSubmit(body) }).unwrap();
      submission.current.settled();
      setRecipient(null);
      setNickname('');
      setResetKey((k) => k + 1);
      onSaved(saved);
    } catch (error) {
      const found = problemOf(error);
      if (!isRetryable(found)) submission.current.settled();
      setProblem(found);
    }
  };

  return (
    <Paper component="form" noValidate onSubmit={(e) => void submit(e)} aria-labelledby="add-payee-heading" sx={{ p: 2, display: 'grid', gap: 2 }}>
      <Typography variant="h6" component="h2" id="add-payee-heading">
        {t('payees.add')}
      </Typography>
      <RecipientLookup
        key={resetKey}
        confirmed={recipient}
        onConfirmed={(found) => {
          setRecipient(found);
          if (found) setConfirmFirst(false);
        }}
        ownNumbers={ownNumbers}
        error={confirmFirst ? t('sendTo.validation.confirm') : undefined}
      />
      <TextField
        label={t('payees.nickname')}
        value={nickname}
        onChange={(e) => setNickname(e.target.value)}
        autoComplete="off"
        error={tooLong}
        helperText={tooLong ? t('sendTo.validation.nickname') : t('payees.nicknameHelp')}
      />
      {problem && <ProblemAlert problem={problem} />}
      <Box>
        <Button type="submit" variant="contained" disabled={isLoading}>
          {t('payees.save')}
        </Button>
      </Box>
    </Paper>
  );
}

function PayeeRow({ payee, onRemove, onMessage }: { payee: Payee; onRemove: (p: Payee) => void; onMessage: (m: string) => void }) {
  const { t } = useTranslation();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(payee.nickname);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [rename, { isLoading }] = useRenamePayeeMutation();
  const bad = name.trim().length === 0 || name.trim().length > MAX_NICKNAME;
  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (bad) return;
    setProblem(null);
    try {
      await rename({ payeeId: payee.payee_id, body: { nickname: name.trim() } }).unwrap();
      setEditing(false);
      onMessage(t('payees.saved', { nickname: name.trim() }));
    } catch (error) {
      setProblem(problemOf(error));
    }
  };
  const details = t('payees.details', { name: payee.holder_name, number: groupedNumber(payee.account_number), currency: payee.currency });
  return (
    <ListItem divider sx={{ display: 'block' }} data-testid="payee-row">
      {editing ? (
        <Box component="form" noValidate onSubmit={(e) => void save(e)} sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', alignItems: 'flex-start' }}>
          <TextField
            label={t('payees.newName')}
            value={name}
            onChange={(e) => setName(e.target.value)}
            autoFocus
            size="small"
            error={bad}
            helperText={bad ? t('sendTo.validation.nickname') : details}
            sx={{ flex: '1 1 14rem' }}
          />
          <Button type="submit" variant="contained" disabled={isLoading}>
            {t('payees.saveName')}
          </Button>
          <Button
            onClick={() => {
              setEditing(false);
              setName(payee.nickname);
            }}
          >
            {t('payees.cancel')}
          </Button>
          {problem && (
            <Box sx={{ flexBasis: '100%' }}>
              <ProblemAlert problem={problem} />
            </Box>
          )}
        </Box>
      ) : (
        <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
          <ListItemText primary={payee.nickname} secondary={details} sx={{ flex: '1 1 14rem' }} />
          <Box sx={{ display: 'flex', gap: 0.5, flexWrap: 'wrap' }}>
            <Button component={Link} to={`/transfer?payee=${payee.payee_id}`} variant="outlined" size="small" aria-label={t('payees.payLabel', { nickname: payee.nickname })}>
              {t('payees.pay')}
            </Button>
            <Button size="small" onClick={() => setEditing(true)} aria-label={t('payees.renameLabel', { nickname: payee.nickname })}>
              {t('payees.rename')}
            </Button>
            <Button size="small" color="error" onClick={() => onRemove(payee)} aria-label={t('payees.removeLabel', { nickname: payee.nickname })}>
              {t('payees.remove')}
            </Button>
          </Box>
        </Box>
      )}
    </ListItem>
  );
}

export default function PayeesPage() {
  const { t } = useTranslation();
  const me = useMeQuery();
  const accounts = useAccountsOfUserQuery(me.data?.user_id ?? '', { skip: !me.data });
  const ownNumbers = useMemo(() => (accounts.data?.items ?? []).map((a) => a.number), [accounts.data]);
  const payees = usePayeesQuery();
  const [removing, setRemoving] = useState<Payee | null>(null);
  const [removeProblem, setRemoveProblem] = useState<ApiProblem | null>(null);
  const [remove, { isLoading: removingNow }] = useRemovePayeeMutation();
  const [message, setMessage] = useState<string | null>(null);

  const confirmRemove = async () => {
    if (!removing) return;
    setRemoveProblem(null);
    try {
      await remove(removing.payee_id).unwrap();
      setMessage(t('payees.removed', { nickname: removing.nickname }));
      setRemoving(null);
    } catch (error) {
      setRemoveProblem(problemOf(error));
    }
  };

  return (
    <>
      <Typography variant="h4" component="h1" gutterBottom>
        {t('payees.title')}
      </Typography>
      <Box aria-live="polite" sx={{ mb: message ? 2 : 0 }}>
        {message && (
          <Alert severity="success" onClose={() => setMessage(null)}>
            {message}
          </Alert>
        )}
      </Box>
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', md: '2fr 3fr' }, alignItems: 'start' }}>
        <AddPayee ownNumbers={ownNumbers} onSaved={(p) => setMessage(t('payees.saved', { nickname: p.nickname }))} />
        <Paper component="section" aria-labelledby="payee-list-heading" sx={{ p: 2 }}>
          <Typography variant="h6" component="h2" id="payee-list-heading">
            {t('payees.list')}
          </Typography>
          {payees.error ? (
            <ProblemAlert problem={problemOf(payees.error)} />
          ) : !payees.data ? (
            <Loading />
          ) : payees.data.items.length === 0 ? (
            <Typography color="text.secondary">{t('payees.none')}</Typography>
          ) : (
            <List aria-labelledby="payee-list-heading">
              {payees.data.items.map((payee) => (
                <PayeeRow key={payee.payee_id} payee={payee} onRemove={setRemoving} onMessage={setMessage} />
              ))}
            </List>
          )}
        </Paper>
      </Box>
      <Dialog open={removing !== null} onClose={() => setRemoving(null)} aria-labelledby="remove-payee-title" aria-describedby="remove-payee-body">
        {removing && (
          <>
            <DialogTitle id="remove-payee-title">{t('payees.removeTitle', { nickname: removing.nickname })}</DialogTitle>
            <DialogContent>
              <DialogContentText id="remove-payee-body">
                {t('payees.removeBody', { name: removing.holder_name, number: groupedNumber(removing.account_number) })}
              </DialogContentText>
              {removeProblem && <ProblemAlert problem={removeProblem} />}
            </DialogContent>
            <DialogActions>
              <Button onClick={() => setRemoving(null)} autoFocus>
                {t('payees.cancel')}
              </Button>
              <Button color="error" variant="contained" onClick={() => void confirmRemove()} disabled={removingNow}>
                {t('payees.remove')}
              </Button>
            </DialogActions>
          </>
        )}
      </Dialog>
    </>
  );
}
