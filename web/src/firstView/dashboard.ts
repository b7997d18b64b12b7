/**
 * The dashboard's first view: a returning customer's balances, on screen a few hundred
 * milliseconds after the page is asked for, while the app itself (React, MUI, the shell: about
 * a second of this machine's CPU before any data can show) is still starting.
 *
 * A bundle of its own (vite.first-view.config.ts), a few kilobytes with no framework, that the
 * gateway names in index.html for `/` only (deployments/web.py). It sends the app's own first
 * reads (src/api/earlyReads.ts), so the app asks for nothing twice, draws the balances from
 * a copy of the answer over the page, and is taken away by the dashboard in the same commit in
 * which it shows them itself (DashboardPage), or by the app on any other route or failure.
 * Hidden from assistive technology: it is a picture of what the app is about to show.
 */
import { peekEarlyRead, sendEarlyReads } from '../api/earlyReads';
import { accountsOfUserPath, apiUrl, ME_PATH } from '../api/paths';
import type { Account, AccountList } from '../api/types';
import { expiresAtS, loadSession, subjectOf } from '../auth/session';
import { formatMoney } from '../format';
import { app, dashboard } from '../locales/en.json';
import { dismissFirstView, FIRST_VIEW_ID, firstViewDismissed, firstViewSettled, firstViewStarted } from './dismiss';
import { FIRST_VIEW_CSS } from './style';

const MAX_ACCOUNTS = 50; // a page of the API's: more is the app's to show
const MAX_SHOWN_MS = 15_000; // the app has failed to start if it has not taken over by then
const MIN_TOKEN_LIFE_S = 10; // a token about to expire is the app's to refresh first

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string | null, text?: string): HTMLElementTagNameMap[K] {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

function figure(list: HTMLElement, label: string, value: string, testId: string): void {
  const group = element('div', null); // a <dl>'s name-value group: one grid cell
  const shown = element('dd', null, value);
  shown.dataset.testid = testId;
  group.append(element('dt', null, label), shown);
  list.append(group);
}

function card(account: Account): HTMLElement {
  const section = element('section', 'fv-card');
  const head = element('div', 'fv-head');
  const type = (dashboard.type as Record<string, string>)[account.account_type] ?? account.account_type;
  head.append(element('h2', null, dashboard.accountLabel.replace('{{type}}', type).replace('{{number}}', account.number)));
  if (account.status) {
    const status = (dashboard.status as Record<string, string>)[account.status] ?? account.status;
    head.append(element('span', 'fv-chip', status));
  }
  section.append(head);
  const figures = element('dl', null);
  figure(figures, dashboard.balance, formatMoney(account.balance, account.currency), 'balance');
  figure(figures, dashboard.available, formatMoney(account.available_balance, account.currency), 'available');
  figure(figures, dashboard.held, formatMoney(account.held, account.currency), 'held');
  section.append(figures);
  return section;
}

/** The first view of these accounts, over the page (or nothing when there is none to show). */
export function drawFirstView(accounts: readonly Account[]): void {
  if (accounts.length === 0 || firstViewDismissed() || document.getElementById(FIRST_VIEW_ID)) return;
  const style = element('style', null, FIRST_VIEW_CSS);
  const nonce = document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content;
  if (nonce) style.nonce = nonce;
  const view = element('div', null);
  view.id = FIRST_VIEW_ID;
  view.setAttribute('aria-hidden', 'true');
  view.inert = true;
  view.append(style);
  const bar = element('div', 'fv-bar');
  bar.append(element('span', 'fv-brand', app.name));
  const main = element('div', 'fv-main');
  main.append(element('h1', null, dashboard.title));
  const cards = element('div', 'fv-cards');
  for (const account of accounts.slice(0, MAX_ACCOUNTS)) cards.append(card(account));
  main.append(cards);
  view.append(bar, main);
  document.body.append(view);
  setTimeout(dismissFirstView, MAX_SHOWN_MS);
}

/** For a signed-in visit to the dashboard: send the first reads, then draw the balances. */
export async function showFirstView(nowMs = Date.now()): Promise<void> {
  if (window.location.pathname !== '/' || firstViewDismissed()) return;
  const { accessToken } = loadSession();
  const userId = subjectOf(accessToken);
  const expiresAt = expiresAtS(accessToken);
  if (!accessToken || !userId || expiresAt === null || expiresAt * 1000 < nowMs + MIN_TOKEN_LIFE_S * 1000) return;
  firstViewStarted();
  try {
    const accountsUrl = apiUrl(accountsOfUserPath(userId));
    sendEarlyReads([apiUrl(ME_PATH), accountsUrl], accessToken);
    const copy = peekEarlyRead(accountsUrl);
    const answer = copy === null ? null : await copy.catch(() => null);
    if (answer === null || !answer.ok) return;
    const body = (await answer.json()) as AccountList;
    if (document.readyState === 'loading') await new Promise((ready) => document.addEventListener('DOMContentLoaded', ready, { once: true }));
    drawFirstView(body.items);
  } finally {
    firstViewSettled();
  }
}

void showFirstView();
