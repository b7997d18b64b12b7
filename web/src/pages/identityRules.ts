// The client-side mirror of the API's identity rules (models/identity.py, models/customers.py):
// the form says what is wrong before a request is sent; the API stays the judge.
import { z } from 'zod';
import { DOCUMENT_TYPES, MAX_DOCUMENT_BYTES } from '../api/identity';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;
const PHONE = /^\+[1-9][0-9]{6,14}$/;
const COMMON_PASSWORDS = new Set([
  'password1234',
  'passwordpassword',
  '123456789012',
  'qwertyuiopas',
  'iloveyou1234',
  'letmein12345',
  'administrator',
  'welcome12345',
  'changeme1234',
  'correcthorsebatterystaple',
]);

export interface PasswordChecks {
  length: boolean;
  mix: boolean;
  notCommon: boolean;
  notEmail: boolean;
  varied: boolean;
}

/** Each strength rule of the API, passed or not (shown as a checklist under the field). */
export function passwordChecks(password: string, email: string): PasswordChecks {
  const classes = [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{L}\p{N}]/u].filter((re) => re.test(password)).length;
  const local = email.trim().toLowerCase().split('@', 1)[0] ?? '';
  return {
    length: password.length >= MIN_PASSWORD_LENGTH && password.length <= MAX_PASSWORD_LENGTH,
    mix: classes >= 3,
    notCommon: !COMMON_PASSWORDS.has(password.toLowerCase().replaceAll(' ', '')),
    notEmail: !(local.length >= 4 && password.toLowerCase().includes(local)),
    varied: new Set(password).size >= 5,
  };
}

export function passwordProblem(password: string, email: string): string | null {
  const checks = passwordChecks(password, email);
  if (!checks.length) return 'identity.password.rules.length';
  if (!checks.mix) return 'identity.password.rules.mix';
  if (!checks.notCommon) return 'identity.password.rules.notCommon';
  if (!checks.notEmail) return 'identity.password.rules.notEmail';
  if (!checks.varied) return 'identity.password.rules.varied';
  return null;
}

const email = z.email({ error: 'identity.validation.email' });
const code = z.string().trim().regex(/^\d{6}$/, { error: 'identity.validation.code' });

export const signUpSchema = z
  .object({
    email,
    password: z.string(),
    confirm: z.string(),
    phone: z
      .string()
      .trim()
      .refine((value) => value === '' || PHONE.test(value), { error: 'identity.validation.phone' }),
  })
  .superRefine((values, ctx) => {
    const problem = passwordProblem(values.password, values.email);
    if (problem) ctx.addIssue({ code: 'custom', path: ['password'], message: problem });
    if (values.confirm !== values.password) ctx.addIssue({ code: 'custom', path: ['confirm'], message: 'identity.validation.confirm' });
  });
export type SignUpValues = z.infer<typeof signUpSchema>;

export const codeSchema = z.object({ code });
export type CodeValues = z.infer<typeof codeSchema>;

export const forgotSchema = z.object({ email });
export type ForgotValues = z.infer<typeof forgotSchema>;

export const resetSchema = z
  .object({
    email,
    token: z.string().trim().min(1, { error: 'identity.validation.token' }).max(200, { error: 'identity.validation.token' }),
    password: z.string(),
    confirm: z.string(),
  })
  .superRefine((values, ctx) => {
    const problem = passwordProblem(values.password, values.email);
    if (problem) ctx.addIssue({ code: 'custom', path: ['password'], message: problem });
    if (values.confirm !== values.password) ctx.addIssue({ code: 'custom', path: ['confirm'], message: 'identity.validation.confirm' });
  });
export type ResetValues = z.infer<typeof resetSchema>;

// --- the customer profile ---------------------------------------------------------------------

const NAME = /^[\p{L}\p{M}](?:[\p{L}\p{M}]|[ '.-])*$/u;
const SSN = /^(\d{3})-?(\d{2})-?(\d{4})$/;
const POSTAL = /^[A-Za-z0-9][A-Za-z0-9 -]{1,9}$/;

/** A US SSN the API would accept (not area 000, 666 or 9xx; not group 00; not serial 0000). */
export function ssnIsValid(ssn: string): boolean {
  const match = SSN.exec(ssn.trim());
  if (!match) return false;
  const [, area = '', group = '', serial = ''] = match;
  return !(area === '000' || area === '666' || area.startsWith('9') || group === '00' || serial === '0000');
}

/** Age in whole years on `today` (UTC), of a YYYY-MM-DD birth date. */
export function ageOn(born: string, today: Date): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(born);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  const [y, m, d] = [today.getUTCFullYear(), today.getUTCMonth() + 1, today.getUTCDate()];
  return y - year - (m < month || (m === month && d < day) ? 1 : 0);
}

const name = (key: string) =>
  z.string().trim().min(1, { error: key }).max(100, { error: key }).regex(NAME, { error: key });

export function profileSchema(today: () => Date = () => new Date()) {
  return z.object({
    first_name: name('identity.validation.firstName'),
    last_name: name('identity.validation.lastName'),
    date_of_birth: z.string().superRefine((value, ctx) => {
      const age = ageOn(value, today());
      if (age === null || age < 0 || age > 130) ctx.addIssue({ code: 'custom', message: 'identity.validation.birthDate' });
      else if (age < 18) ctx.addIssue({ code: 'custom', message: 'identity.validation.adult' });
    }),
    ssn: z.string().trim().refine(ssnIsValid, { error: 'identity.validation.ssn' }),
    phone: z
      .string()
      .trim()
      .refine((value) => value === '' || PHONE.test(value), { error: 'identity.validation.phone' }),
    line1: z.string().trim().min(1, { error: 'identity.validation.line1' }).max(200, { error: 'identity.validation.line1' }),
    line2: z.string().trim().max(200, { error: 'identity.validation.line2' }),
    city: z.string().trim().min(1, { error: 'identity.validation.city' }).max(100, { error: 'identity.validation.city' }),
    region: z.string().trim().max(100, { error: 'identity.validation.region' }),
    postal_code: z.string().trim().regex(POSTAL, { error: 'identity.validation.postalCode' }),
    country: z.string().trim().toUpperCase().regex(/^[A-Z]{2}$/, { error: 'identity.validation.country' }),
  });
}
export type ProfileValues = z.infer<ReturnType<typeof profileSchema>>;

/** Why a chosen file cannot be uploaded (a message key), or null. */
export function documentProblem(file: File): string | null {
  if (file.size === 0) return 'identity.document.empty';
  if (file.size > MAX_DOCUMENT_BYTES) return 'identity.document.tooLarge';
  if (!DOCUMENT_TYPES.includes(file.type)) return 'identity.document.wrongType';
  return null;
}
