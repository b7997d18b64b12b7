import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import Switch from '@mui/material/Switch';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { Fragment, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import {
  isApprovalRequest,
  useAddListEntryMutation,
  useCreateRuleMutation,
  useFraudCasesQuery,
  useFraudListQuery,
  useFraudModelQuery,
  useModelReportImageMutation,
  useFraudModelsQuery,
  useFraudRulesQuery,
  useFraudScoreQuery,
  usePromoteModelMutation,
  useRemoveListEntryMutation,
  useResolveCaseMutation,
  useUpdateRuleMutation,
  type FraudCase,
  type FraudListName,
  type ListEntry,
  type ListKind,
  type ModelVersion,
  type Resolution,
  type RuleRequest,
} from '../../api/admin';
import { problemOf, type ApiProblem } from '../../api/errors';
import { Loading } from '../../components/Loading';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatDateTime } from '../../format';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { CursorPager, Field, Hidden, ScrollTable, Section, shortId, StatusChip, useCursorPages, useStaff } from './common';

const LIST_KINDS: ListKind[] = ['account', 'counterparty', 'device', 'ip'];
const ACTIONS: RuleRequest['action'][] = ['allow', 'review', 'block'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const VERDICT_TONES = { allow: 'success', review: 'warning', block: 'error' } as const;

function Verdict({ verdict }: { verdict: string }) {
  const { t } = useTranslation();
  return <StatusChip tone={VERDICT_TONES[verdict as keyof typeof VERDICT_TONES] ?? 'default'} label={t(`admin.fraud.verdict.${verdict}`, { defaultValue: verdict })} />;
}

function decimal(value: unknown, digits = 3): string {
  return typeof value === 'number' ? new Intl.NumberFormat(undefined, { maximumFractionDigits: digits }).format(value) : String(value);
}

// --- the model ----------------------------------------------------------------------------------

/** One PNG of the serving version's training report, fetched with the session (an object URL). */
function ReportImage({ url, name, version }: { url: string; name: string; version: string }) {
  const { t } = useTranslation();
  const [load] = useModelReportImageMutation();
  const [source, setSource] = useState<string | null>(null);
  useEffect(() => {
    let made: string | null = null;
    let cancelled = false;
    load(url)
      .unwrap()
      .then((objectUrl) => {
        if (cancelled) URL.revokeObjectURL(objectUrl);
        else setSource((made = objectUrl));
      })
      .catch(() => setSource(null));
    return () => {
      cancelled = true;
      if (made) URL.revokeObjectURL(made);
    };
  }, [load, url]);
  const alt = t(`admin.fraud.model.report.${name.replace('.png', '')}`, { version, defaultValue: name });
  if (!source) return <Loading />;
  return <Box component="img" src={source} alt={alt} sx={{ width: '100%', height: 'auto', bgcolor: 'common.white', borderRadius: 1 }} />;
}

function ModelSection() {
  const { t } = useTranslation();
  const model = useFraudModelQuery();
  let body;
  if (model.error) body = <ProblemAlert problem={problemOf(model.error)} />;
  else if (!model.data) body = <Loading />;
  else {
    const metrics = model.data.metrics ?? {};
    const elsewhere = metrics.out_of_distribution as { auc_pr?: number; rules_auc_pr?: number } | undefined;
    const figures = Object.entries(metrics).filter(([, v]) => typeof v === 'number' || typeof v === 'string');
    body = (
      <>
        <Box component="dl" sx={{ m: 0 }}>
          <Field label={t('admin.fraud.model.version')} testId="model-version">
            {model.data.model_version ?? t('admin.fraud.model.none')}
          </Field>
          <Field label={t('admin.fraud.model.serving')}>{model.data.serving}</Field>
          {'auc_pr' in metrics && <Field label={t('admin.fraud.model.aucPr')}>{decimal(metrics.auc_pr)}</Field>}
          {'recall' in metrics && <Field label={t('admin.fraud.model.recall')}>{decimal(metrics.recall)}</Field>}
          {figures
            .filter(([k]) => k !== 'auc_pr' && k !== 'recall')
            .map(([k, v]) => (
              <Field key={k} label={k}>
                {decimal(v)}
              </Field>
            ))}
          {elsewhere && (
            <Field label={t('admin.fraud.model.elsewhere')} testId="model-elsewhere">
              {t('admin.fraud.model.elsewhereFigures', { model: decimal(elsewhere.auc_pr), rules: decimal(elsewhere.rules_auc_pr) })}
            </Field>
          )}
        </Box>
        {model.data.report.length > 0 && (
          <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', md: 'repeat(2, minmax(0, 1fr))' }, mt: 2 }}>
            {model.data.report.map((file) => (
              <ReportImage key={file.url} url={file.url} name={file.name} version={model.data?.model_version ?? ''} />
            ))}
          </Box>
        )}
      </>
    );
  }
  return (
    <Section title={t('admin.fraud.model.title')}>
      {body}
      <ModelVersionsTable />
    </Section>
  );
}

/** Every registered version with its figures; the serving one marked; admins promote one (confirmed). */
function ModelVersionsTable() {
  const { t } = useTranslation();
  const { isAdmin } = useStaff();
  const versions = useFraudModelsQuery();
  const [promoting, setPromoting] = useState<ModelVersion | null>(null);
  const [force, setForce] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [promote, { isLoading }] = usePromoteModelMutation();

  const start = (version: ModelVersion) => {
    setProblem(null);
    setForce(false);
    setPromoting(version);
  };
  const confirm = async () => {
    if (!promoting) return;
    setProblem(null);
    try {
      const answer = await promote({ version: promoting.version, force }).unwrap();
      setDone(
        isApprovalRequest(answer)
          ? t('admin.fraud.models.promoteAsked', { summary: answer.summary })
          : t('admin.fraud.models.promoted', { version: answer.version }),
      );
      setPromoting(null);
    } catch (error) {
      const refused = problemOf(error);
      setProblem(refused);
      if (refused.code === 'model_not_better') setForce(true); // a second confirmation promotes it anyway
    }
  };

  let body;
  if (versions.error) body = <ProblemAlert problem={problemOf(versions.error)} />;
  else if (!versions.data) body = <Loading />;
  else if (versions.data.items.length === 0) body = <Typography color="text.secondary">{t('admin.fraud.models.none')}</Typography>;
  else
    body = (
      <ScrollTable label={t('admin.fraud.models.title')}>
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>{t('admin.fraud.model.version')}</TableCell>
              <TableCell align="right">{t('admin.fraud.model.aucPr')}</TableCell>
              <TableCell align="right">{t('admin.fraud.model.recall')}</TableCell>
              <TableCell align="right">{t('admin.fraud.models.precision')}</TableCell>
              <TableCell>{t('admin.fraud.model.serving')}</TableCell>
              {isAdmin && (
                <TableCell>
                  <Hidden>{t('admin.actions')}</Hidden>
                </TableCell>
              )}
            </TableRow>
          </TableHead>
          <TableBody>
            {versions.data.items.map((v) => (
              <TableRow key={v.version} data-testid="model-row" selected={v.serving}>
                <TableCell sx={{ fontFamily: 'monospace', overflowWrap: 'anywhere' }}>{v.version}</TableCell>
                <TableCell align="right">{'auc_pr' in v.metrics ? decimal(v.metrics.auc_pr) : '—'}</TableCell>
                <TableCell align="right">{'recall' in v.metrics ? decimal(v.metrics.recall) : '—'}</TableCell>
                <TableCell align="right">{'precision' in v.metrics ? decimal(v.metrics.precision) : '—'}</TableCell>
                <TableCell>{v.serving ? <StatusChip tone="success" label={t('admin.fraud.models.servingNow')} /> : '—'}</TableCell>
                {isAdmin && (
                  <TableCell>
                    {!v.serving && (
                      <Button size="small" variant="outlined" onClick={() => start(v)} aria-label={t('admin.fraud.models.promoteVersion', { version: v.version })}>
                        {t('admin.fraud.models.promote')}
                      </Button>
                    )}
                  </TableCell>
                )}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </ScrollTable>
    );

  return (
    <Box sx={{ mt: 2 }}>
      <Typography variant="subtitle1" component="h4" gutterBottom>
        {t('admin.fraud.models.title')}
      </Typography>
      {done && (
        <Alert severity="success" role="status" sx={{ mb: 2 }}>
          {done}
        </Alert>
      )}
      {body}
      {promoting && (
        <ConfirmDialog
          open
          title={t('admin.fraud.models.confirmTitle', { version: promoting.version })}
          confirmLabel={force ? t('admin.fraud.models.promoteAnyway') : t('admin.fraud.models.promote')}
          onConfirm={() => void confirm()}
          onClose={() => setPromoting(null)}
          busy={isLoading}
          problem={problem}
        >
          <Typography>
            {t('admin.fraud.models.explain', {
              version: promoting.version,
              serving: versions.data?.serving_version ?? t('admin.fraud.model.none'),
              aucPr: 'auc_pr' in promoting.metrics ? decimal(promoting.metrics.auc_pr) : '—',
            })}
          </Typography>
        </ConfirmDialog>
      )}
    </Box>
  );
}

// --- cases --------------------------------------------------------------------------------------

function CaseDetail({ fraudCase }: { fraudCase: FraudCase }) {
  const { t } = useTranslation();
  const score = useFraudScoreQuery(fraudCase.transaction_id);
  if (score.error) return <ProblemAlert problem={problemOf(score.error)} />;
  if (!score.data) return <Loading />;
  const features = Object.entries(score.data.features);
  return (
    <Box sx={{ py: 1 }}>
      <Typography variant="subtitle2" component="h4">
        {t('admin.fraud.cases.features')}
      </Typography>
      {features.length === 0 ? (
        <Typography color="text.secondary">—</Typography>
      ) : (
        <Box component="dl" sx={{ m: 0, display: 'grid', gridTemplateColumns: { xs: '1fr 1fr', md: 'repeat(4, auto 1fr)' }, columnGap: 2 }}>
          {features.map(([name, value]) => (
            <Box key={name} sx={{ display: 'contents' }}>
              <Typography component="dt" variant="body2" color="text.secondary" sx={{ fontFamily: 'monospace' }}>
                {name}
              </Typography>
              <Typography component="dd" variant="body2" sx={{ m: 0 }}>
                {decimal(value)}
              </Typography>
            </Box>
          ))}
        </Box>
      )}
      <Typography variant="body2" sx={{ mt: 1 }}>
        {t('admin.fraud.cases.scoredBy', { version: score.data.model_version ?? t('admin.fraud.model.none'), level: score.data.risk_level })}
      </Typography>
    </Box>
  );
}

function CasesSection() {
  const { t } = useTranslation();
  const { isAdmin } = useStaff();
  const pages = useCursorPages();
  // ?transaction=<id>: the case of one transaction (a receipt's reference), instead of the queue.
  const [params, setParams] = useSearchParams();
  const wanted = params.get('transaction');
  const [reference, setReference] = useState(wanted ?? '');
  const [referenceError, setReferenceError] = useState<string | null>(null);
  const cases = useFraudCasesQuery(
    wanted ? { status: 'OPEN', transactionId: wanted } : { status: 'OPEN', cursor: pages.cursor },
  );
  const find = (event: FormEvent) => {
    event.preventDefault();
    const value = reference.trim().toLowerCase();
    if (value && !UUID.test(value)) {
      setReferenceError(t('admin.fraud.cases.referenceInvalid'));
      return;
    }
    setReferenceError(null);
    pages.reset();
    setParams(value ? { transaction: value } : {}, { replace: true });
  };
  const [open, setOpen] = useState<string | null>(null);
  const [resolving, setResolving] = useState<{ fraudCase: FraudCase; resolution: Resolution['resolution'] } | null>(null);
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [resolve, { isLoading }] = useResolveCaseMutation();

  const confirm = async () => {
    if (!resolving) return;
    setProblem(null);
    try {
      await resolve({ caseId: resolving.fraudCase.case_id, body: { resolution: resolving.resolution, note: note.trim() || null } }).unwrap();
      setDone(t(`admin.fraud.cases.done.${resolving.resolution}`));
      setResolving(null);
    } catch (error) {
      setProblem(problemOf(error));
    }
  };

  let body;
  if (cases.error) body = <ProblemAlert problem={problemOf(cases.error)} />;
  else if (!cases.data) body = <Loading />;
  else if (cases.data.items.length === 0)
    body = wanted ? <Alert severity="info">{t('admin.fraud.cases.noneFor', { reference: wanted })}</Alert> : <Alert severity="success">{t('admin.fraud.cases.none')}</Alert>;
  else
    body = (
      <ScrollTable label={t('admin.fraud.cases.title')}>
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>{t('admin.fraud.cases.opened')}</TableCell>
              <TableCell align="right">{t('admin.fraud.cases.score')}</TableCell>
              <TableCell>{t('admin.fraud.cases.verdict')}</TableCell>
              <TableCell>{t('admin.fraud.cases.reasons')}</TableCell>
              <TableCell>{t('admin.fraud.cases.transaction')}</TableCell>
              <TableCell>
                <Hidden>{t('admin.actions')}</Hidden>
              </TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {cases.data.items.map((c) => (
              <Fragment key={c.case_id}>
                <TableRow data-testid="case-row">
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(c.opened_at)}</TableCell>
                  <TableCell align="right">{c.score}</TableCell>
                  <TableCell>
                    <Verdict verdict={c.verdict} />
                  </TableCell>
                  <TableCell>{c.reasons.join(', ') || '—'}</TableCell>
                  <TableCell sx={{ fontFamily: 'monospace' }} title={c.transaction_id}>
                    {shortId(c.transaction_id)}
                  </TableCell>
                  <TableCell>
                    <Box sx={{ display: 'flex', gap: 1 }}>
                      <Button size="small" aria-expanded={open === c.case_id} onClick={() => setOpen(open === c.case_id ? null : c.case_id)}>
                        {open === c.case_id ? t('admin.fraud.cases.hide') : t('admin.fraud.cases.details')}
                      </Button>
                      {isAdmin && (
                        <>
                          <Button size="small" color="error" variant="outlined" onClick={() => { setNote(''); setProblem(null); setResolving({ fraudCase: c, resolution: 'FRAUD' }); }}>
                            {t('admin.fraud.cases.fraud')}
                          </Button>
                          <Button size="small" variant="outlined" onClick={() => { setNote(''); setProblem(null); setResolving({ fraudCase: c, resolution: 'FALSE_POSITIVE' }); }}>
                            {t('admin.fraud.cases.falsePositive')}
                          </Button>
                        </>
                      )}
                    </Box>
                  </TableCell>
                </TableRow>
                {open === c.case_id && (
                  <TableRow>
                    <TableCell colSpan={6}>
                      <CaseDetail fraudCase={c} />
                    </TableCell>
                  </TableRow>
                )}
              </Fragment>
            ))}
          </TableBody>
        </Table>
      </ScrollTable>
    );

  return (
    <Section title={t('admin.fraud.cases.title')}>
      <Box component="form" role="search" aria-label={t('admin.fraud.cases.findLabel')} noValidate onSubmit={find} sx={{ display: 'flex', gap: 1, mb: 2, flexWrap: 'wrap', alignItems: 'flex-start' }}>
        <TextField
          size="small"
          label={t('admin.fraud.cases.reference')}
          value={reference}
          onChange={(e) => setReference(e.target.value)}
          error={Boolean(referenceError)}
          helperText={referenceError ?? t('admin.fraud.cases.referenceHelp')}
          autoComplete="off"
          sx={{ minWidth: { xs: '100%', sm: '26rem' } }}
        />
        <Button type="submit" variant="outlined">
          {t('admin.fraud.cases.find')}
        </Button>
        {wanted && (
          <Button
            onClick={() => {
              setReference('');
              setParams({}, { replace: true });
            }}
          >
            {t('admin.fraud.cases.showAll')}
          </Button>
        )}
      </Box>
      {done && (
        <Alert severity="success" role="status" sx={{ mb: 2 }}>
          {done}
        </Alert>
      )}
      {body}
      {!wanted && <CursorPager pages={pages} nextCursor={cases.data?.next_cursor} />}
      {resolving && (
        <ConfirmDialog
          open
          title={t(`admin.fraud.cases.confirm.${resolving.resolution}`)}
          confirmLabel={t(`admin.fraud.cases.confirmButton.${resolving.resolution}`)}
          onConfirm={() => void confirm()}
          onClose={() => setResolving(null)}
          busy={isLoading}
          problem={problem}
          danger={resolving.resolution === 'FRAUD'}
        >
          <Typography sx={{ mb: 2 }}>
            {t(`admin.fraud.cases.explain.${resolving.resolution}`, { score: resolving.fraudCase.score })}
          </Typography>
          <TextField label={t('admin.fraud.cases.note')} fullWidth multiline minRows={2} value={note} onChange={(e) => setNote(e.target.value)} slotProps={{ htmlInput: { maxLength: 1000 } }} />
        </ConfirmDialog>
      )}
    </Section>
  );
}

// --- rules --------------------------------------------------------------------------------------

interface RuleDraft {
  name: string;
  condition: string;
  action: RuleRequest['action'];
  priority: string;
  active: boolean;
}
type RuleErrors = Partial<Record<'name' | 'condition' | 'priority', string>>;
const EXAMPLE = '{"all": [{"feature": "amount_usd", "op": ">", "value": 5000}]}';

/** The API's refusal of a rule, put on the field it names (422 "name: …", invalid_rule, rule_exists). */
function ruleFieldErrors(problem: ApiProblem): RuleErrors | null {
  if (problem.code === 'rule_exists') return { name: problem.message ?? '' };
  if (problem.code === 'invalid_rule') return { condition: problem.message ?? '' };
  if (problem.code === 'validation_error' && problem.message) {
    const found: RuleErrors = {};
    for (const part of problem.message.split('; ')) {
      const [field, ...rest] = part.split(': ');
      const key = field?.split('.')[0];
      if (key === 'name' || key === 'condition' || key === 'priority') found[key] = rest.join(': ');
    }
    return Object.keys(found).length > 0 ? found : null;
  }
  return null;
}

function RuleForm() {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<RuleDraft>({ name: '', condition: '', action: 'review', priority: '0', active: true });
  const [errors, setErrors] = useState<RuleErrors>({});
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  const [create, { isLoading }] = useCreateRuleMutation();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    setCreated(null);
    const found: RuleErrors = {};
    if (!/^[a-z0-9_]{1,100}$/.test(draft.name)) found.name = t('admin.fraud.rules.validation.name');
    let condition: Record<string, unknown> | null = null;
    try {
      const parsed: unknown = JSON.parse(draft.condition);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) condition = parsed as Record<string, unknown>;
      else found.condition = t('admin.fraud.rules.validation.object');
    } catch {
      found.condition = t('admin.fraud.rules.validation.json');
    }
    const priority = Number(draft.priority);
    if (!/^-?\d+$/.test(draft.priority.trim()) || priority < -1000 || priority > 1000) found.priority = t('admin.fraud.rules.validation.priority');
    setErrors(found);
    if (Object.keys(found).length > 0 || !condition) return;
    try {
      const answer = await create({ name: draft.name, condition, action: draft.action, priority, active: draft.active }).unwrap();
      setCreated(
        isApprovalRequest(answer)
          ? t('admin.fraud.rules.asked', { summary: answer.summary })
          : t('admin.fraud.rules.created', { name: answer.name }),
      );
      setDraft({ name: '', condition: '', action: 'review', priority: '0', active: true });
    } catch (error) {
      const refused = problemOf(error);
      const onFields = ruleFieldErrors(refused);
      if (onFields) setErrors(onFields);
      else setProblem(refused);
    }
  };

  return (
    <Box component="form" noValidate onSubmit={(e) => void submit(e)} aria-label={t('admin.fraud.rules.new')} sx={{ display: 'grid', gap: 2, mt: 2 }}>
      <Typography variant="subtitle1" component="h4">
        {t('admin.fraud.rules.new')}
      </Typography>
      {created && (
        <Alert severity="success" role="status">
          {created}
        </Alert>
      )}
      {problem && <ProblemAlert problem={problem} />}
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', md: '2fr 1fr 1fr' }, alignItems: 'start' }}>
        <TextField
          label={t('admin.fraud.rules.name')}
          required
          autoComplete="off"
          value={draft.name}
          onChange={(e) => setDraft((d) => ({ ...d, name: e.target.value }))}
          error={Boolean(errors.name)}
          helperText={errors.name ?? t('admin.fraud.rules.nameHelp')}
        />
        <TextField select label={t('admin.fraud.rules.action')} value={draft.action} onChange={(e) => setDraft((d) => ({ ...d, action: e.target.value as RuleDraft['action'] }))} helperText=" ">
          {ACTIONS.map((a) => (
            <MenuItem key={a} value={a}>
              {t(`admin.fraud.verdict.${a}`)}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          label={t('admin.fraud.rules.priority')}
          value={draft.priority}
          onChange={(e) => setDraft((d) => ({ ...d, priority: e.target.value }))}
          error={Boolean(errors.priority)}
          helperText={errors.priority ?? t('admin.fraud.rules.priorityHelp')}
          slotProps={{ htmlInput: { inputMode: 'numeric' } }}
        />
      </Box>
      <TextField
        label={t('admin.fraud.rules.condition')}
        required
        multiline
        minRows={3}
        value={draft.condition}
        onChange={(e) => setDraft((d) => ({ ...d, condition: e.target.value }))}
        error={Boolean(errors.condition)}
        helperText={errors.condition ?? t('admin.fraud.rules.conditionHelp', { example: EXAMPLE })}
        slotProps={{ htmlInput: { spellCheck: false, style: { fontFamily: 'monospace' } } }}
      />
      <FormControlLabel control={<Switch checked={draft.active} onChange={(e) => setDraft((d) => ({ ...d, active: e.target.checked }))} />} label={t('admin.fraud.rules.activeNow')} />
      <Box>
        <Button type="submit" variant="contained" disabled={isLoading}>
          {t('admin.fraud.rules.create')}
        </Button>
      </Box>
    </Box>
  );
}

function RulesSection() {
  const { t } = useTranslation();
  const { isAdmin } = useStaff();
  const rules = useFraudRulesQuery();
  const [update, updating] = useUpdateRuleMutation();
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [asked, setAsked] = useState<string | null>(null);

  const toggle = async (ruleId: string, active: boolean) => {
    setProblem(null);
    setAsked(null);
    try {
      const answer = await update({ ruleId, body: { active } }).unwrap();
      if (isApprovalRequest(answer)) setAsked(t('admin.fraud.rules.asked', { summary: answer.summary }));
    } catch (error) {
      setProblem(problemOf(error));
    }
  };

  let body;
  if (rules.error) body = <ProblemAlert problem={problemOf(rules.error)} />;
  else if (!rules.data) body = <Loading />;
  else if (rules.data.items.length === 0) body = <Typography color="text.secondary">{t('admin.fraud.rules.none')}</Typography>;
  else
    body = (
      <ScrollTable label={t('admin.fraud.rules.title')}>
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>{t('admin.fraud.rules.name')}</TableCell>
              <TableCell>{t('admin.fraud.rules.action')}</TableCell>
              <TableCell align="right">{t('admin.fraud.rules.priority')}</TableCell>
              <TableCell>{t('admin.fraud.rules.condition')}</TableCell>
              <TableCell>{t('admin.fraud.rules.active')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {rules.data.items.map((r) => (
              <TableRow key={r.rule_id} data-testid="rule-row">
                <TableCell sx={{ fontFamily: 'monospace' }}>{r.name}</TableCell>
                <TableCell>
                  <Verdict verdict={r.action} />
                </TableCell>
                <TableCell align="right">{r.priority}</TableCell>
                <TableCell sx={{ fontFamily: 'monospace', fontSize: '0.8rem', maxWidth: 420, overflowWrap: 'anywhere' }}>{JSON.stringify(r.condition)}</TableCell>
                <TableCell>
                  {isAdmin ? (
                    <Switch
                      checked={r.active}
                      disabled={updating.isLoading}
                      onChange={(e) => void toggle(r.rule_id, e.target.checked)}
                      slotProps={{ input: { 'aria-label': t('admin.fraud.rules.toggle', { name: r.name }) } }}
                    />
                  ) : r.active ? (
                    t('admin.yes')
                  ) : (
                    t('admin.no')
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </ScrollTable>
    );

  return (
    <Section title={t('admin.fraud.rules.title')}>
      {problem && (
        <Box sx={{ mb: 2 }}>
          <ProblemAlert problem={problem} />
        </Box>
      )}
      {asked && (
        <Alert severity="success" role="status" sx={{ mb: 2 }}>
          {asked}
        </Alert>
      )}
      {body}
      {isAdmin && <RuleForm />}
    </Section>
  );
}

// --- allow / block lists -------------------------------------------------------------------------

/** One list, a page at a time; admins remove an entry after confirming. */
function ListTable({ list }: { list: FraudListName }) {
  const { t } = useTranslation();
  const { isAdmin } = useStaff();
  const pages = useCursorPages();
  const entries = useFraudListQuery({ list, cursor: pages.cursor });
  const [removing, setRemoving] = useState<ListEntry | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [remove, { isLoading }] = useRemoveListEntryMutation();
  const title = t(`admin.fraud.lists.${list}`);

  const confirm = async () => {
    if (!removing) return;
    setProblem(null);
    try {
      const removed = await remove({ list, kind: removing.kind as ListKind, value: removing.value }).unwrap();
      setDone(t('admin.fraud.lists.removed', { value: removed.value, kind: t(`admin.fraud.lists.kind.${removed.kind}`) }));
      setRemoving(null);
      pages.reset();
    } catch (error) {
      setProblem(problemOf(error));
    }
  };

  let body;
  if (entries.error) body = <ProblemAlert problem={problemOf(entries.error)} />;
  else if (!entries.data) body = <Loading />;
  else if (entries.data.items.length === 0) body = <Typography color="text.secondary">{t('admin.fraud.lists.empty')}</Typography>;
  else
    body = (
      <ScrollTable label={title}>
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>{t('admin.fraud.lists.kindLabel')}</TableCell>
              <TableCell>{t('admin.fraud.lists.value')}</TableCell>
              <TableCell>{t('admin.fraud.lists.reasonColumn')}</TableCell>
              <TableCell>{t('admin.fraud.lists.since')}</TableCell>
              {isAdmin && (
                <TableCell>
                  <Hidden>{t('admin.actions')}</Hidden>
                </TableCell>
              )}
            </TableRow>
          </TableHead>
          <TableBody>
            {entries.data.items.map((entry) => (
              <TableRow key={`${entry.kind}:${entry.value}`} data-testid={`${list}-row`}>
                <TableCell>{t(`admin.fraud.lists.kind.${entry.kind}`, { defaultValue: entry.kind })}</TableCell>
                <TableCell sx={{ fontFamily: 'monospace', overflowWrap: 'anywhere' }}>{entry.value}</TableCell>
                <TableCell>{entry.reason ?? '—'}</TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(entry.created_at)}</TableCell>
                {isAdmin && (
                  <TableCell>
                    <Button
                      size="small"
                      color="error"
                      variant="outlined"
                      onClick={() => {
                        setProblem(null);
                        setRemoving(entry);
                      }}
                      aria-label={t('admin.fraud.lists.removeEntry', { value: entry.value })}
                    >
                      {t('admin.fraud.lists.remove')}
                    </Button>
                  </TableCell>
                )}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </ScrollTable>
    );

  return (
    <Box sx={{ mb: 3 }}>
      <Typography variant="subtitle1" component="h4" gutterBottom>
        {title}
      </Typography>
      {done && (
        <Alert severity="success" role="status" sx={{ mb: 2 }}>
          {done}
        </Alert>
      )}
      {body}
      <CursorPager pages={pages} nextCursor={entries.data?.next_cursor} />
      {removing && (
        <ConfirmDialog
          open
          danger
          title={t('admin.fraud.lists.confirmRemove')}
          confirmLabel={t('admin.fraud.lists.remove')}
          onConfirm={() => void confirm()}
          onClose={() => setRemoving(null)}
          busy={isLoading}
          problem={problem}
        >
          <Typography>
            {t(`admin.fraud.lists.explainRemove.${list}`, { value: removing.value, kind: t(`admin.fraud.lists.kind.${removing.kind}`, { defaultValue: removing.kind }) })}
          </Typography>
        </ConfirmDialog>
      )}
    </Box>
  );
}

function ListsSection() {
  const { t } = useTranslation();
  const { isAdmin } = useStaff();
  const [list, setList] = useState<'whitelist' | 'blacklist'>('blacklist');
  const [kind, setKind] = useState<ListKind>('counterparty');
  const [value, setValue] = useState('');
  const [reason, setReason] = useState('');
  const [valueError, setValueError] = useState<string | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const [add, { isLoading }] = useAddListEntryMutation();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    setAdded(null);
    if (!value.trim()) return setValueError(t('admin.fraud.lists.valueRequired'));
    try {
      const entry = await add({ list, body: { kind, value: value.trim(), reason: reason.trim() || null } }).unwrap();
      setAdded(t(`admin.fraud.lists.added.${entry.list === 'whitelist' ? 'whitelist' : 'blacklist'}`, { value: entry.value, kind: t(`admin.fraud.lists.kind.${entry.kind}`) }));
      setValue('');
      setReason('');
    } catch (error) {
      setProblem(problemOf(error));
    }
  };

  return (
    <Section title={t('admin.fraud.lists.title')}>
      <ListTable list="blacklist" />
      <ListTable list="whitelist" />
      {!isAdmin ? (
        <Alert severity="info">{t('admin.fraud.lists.adminOnly')}</Alert>
      ) : (
        <Box component="form" noValidate onSubmit={(e) => void submit(e)} aria-label={t('admin.fraud.lists.title')} sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', md: 'repeat(4, 1fr)' }, alignItems: 'start' }}>
          {added && (
            <Alert severity="success" role="status" sx={{ gridColumn: '1 / -1' }}>
              {added}
            </Alert>
          )}
          {problem && (
            <Box sx={{ gridColumn: '1 / -1' }}>
              <ProblemAlert problem={problem} />
            </Box>
          )}
          <TextField select label={t('admin.fraud.lists.list')} value={list} onChange={(e) => setList(e.target.value as typeof list)}>
            <MenuItem value="whitelist">{t('admin.fraud.lists.whitelist')}</MenuItem>
            <MenuItem value="blacklist">{t('admin.fraud.lists.blacklist')}</MenuItem>
          </TextField>
          <TextField select label={t('admin.fraud.lists.kindLabel')} value={kind} onChange={(e) => setKind(e.target.value as ListKind)}>
            {LIST_KINDS.map((k) => (
              <MenuItem key={k} value={k}>
                {t(`admin.fraud.lists.kind.${k}`)}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            label={t('admin.fraud.lists.value')}
            required
            autoComplete="off"
            value={value}
            onChange={(e) => {
              setValue(e.target.value);
              setValueError(null);
            }}
            error={Boolean(valueError)}
            helperText={valueError ?? ' '}
            slotProps={{ htmlInput: { maxLength: 200 } }}
          />
          <TextField label={t('admin.fraud.lists.reason')} autoComplete="off" value={reason} onChange={(e) => setReason(e.target.value)} helperText=" " slotProps={{ htmlInput: { maxLength: 500 } }} />
          <Box>
            <Button type="submit" variant="contained" disabled={isLoading}>
              {t('admin.fraud.lists.add')}
            </Button>
          </Box>
        </Box>
      )}
    </Section>
  );
}

/** Fraud operations: open cases, the rules, the allow/block lists and the model in service. */
export default function FraudPage() {
  const { t } = useTranslation();
  return (
    <>
      <Typography variant="h5" component="h2" gutterBottom>
        {t('admin.fraud.title')}
      </Typography>
      <CasesSection />
      <RulesSection />
      <ListsSection />
      <ModelSection />
    </>
  );
}
