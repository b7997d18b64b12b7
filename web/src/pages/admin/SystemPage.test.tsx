import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SystemFigures } from '../../api/admin';
import SystemPage from './SystemPage';
import { renderAdmin } from './testing';

const base = window.location.origin;

const FIGURES: SystemFigures = {
  outbox_lag_s: 12.25,
  commit_latency_ms: { count: 1234, mean: 6, p50: 25 / 6, p99: 24.000000000000004 },
  api: { requests: 2000, errors_5xx: 25, error_rate: 0.0125 },
  scraped_at: '2026-03-04T05:06:07.123456+00:00',
};
const NOTHING_YET: SystemFigures = {
  outbox_lag_s: null,
  commit_latency_ms: { count: null, mean: null, p50: null, p99: null },
  api: { requests: null, errors_5xx: null, error_rate: null },
  scraped_at: '2026-03-04T05:06:07+00:00',
};

let figures: SystemFigures = FIGURES;
let scrapes = 0;

const server = setupServer(
  http.get(`${base}/readyz`, () =>
    HttpResponse.json({ status: 'ok', components: { postgres: { status: 'ok', detail: 'select 1' } } }),
  ),
  http.get(`${base}/api/v1/admin/system/figures`, () => {
    scrapes += 1;
    return HttpResponse.json(figures);
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  figures = FIGURES;
  scrapes = 0;
});
afterEach(() => server.resetHandlers());

function figuresSection(): HTMLElement {
  return screen.getByRole('heading', { name: 'Key figures' }).closest('section')!;
}

describe('the key figures', { timeout: 120_000 }, () => {
  it('shows the outbox lag, commit latency and error rate formatted, with what they mean', async () => {
    renderAdmin(<SystemPage />, { path: '/admin/system', pattern: '/admin/system', roles: ['support'] });
    expect(await screen.findByTestId('figure-outbox-lag')).toHaveProperty('textContent', '12.3 seconds');
    expect(screen.getByTestId('figure-commit-latency').textContent).toBe('p50 4.2 ms · p99 24 ms · mean 6 ms (1,234 batches)');
    expect(screen.getByTestId('figure-error-rate').textContent).toBe('1.25% (25 of 2,000 requests)');
    expect(screen.getByTestId('figures-scraped-at').textContent).toBe(
      'From the cluster\'s metrics at 05:06:07 AM UTC, scraped again every 15 seconds.',
    );

    // A description list: each figure's label is its term.
    const section = figuresSection();
    const terms = Array.from(section.querySelectorAll('dt')).map((dt) => dt.textContent);
    expect(terms).toEqual(['Outbox lag', 'Journal commit latency', 'API error rate']);
    expect(within(section).getByText(/oldest event not yet published to Kafka/)).toBeTruthy();
    expect(within(section).getByText(/server errors \(HTTP 5xx\)/)).toBeTruthy();
    // The readiness table is still there.
    expect(await screen.findByText('PostgreSQL')).toBeTruthy();
  });

  it('says "No data yet" for every figure the metrics do not have, and scrapes again on refresh', async () => {
    figures = NOTHING_YET;
    renderAdmin(<SystemPage />, { path: '/admin/system', pattern: '/admin/system', roles: ['admin'] });
    expect((await screen.findByTestId('figure-outbox-lag')).textContent).toBe('No data yet');
    expect(screen.getByTestId('figure-commit-latency').textContent).toBe('No data yet');
    expect(screen.getByTestId('figure-error-rate').textContent).toBe('No data yet');

    figures = {
      outbox_lag_s: 0,
      commit_latency_ms: { count: 0, mean: null, p50: null, p99: null },
      api: { requests: 0, errors_5xx: 0, error_rate: null },
      scraped_at: '2026-03-04T05:06:22+00:00',
    };
    const before = scrapes;
    const person = userEvent.setup({ delay: null });
    await person.click(within(figuresSection()).getByRole('button', { name: 'Refresh figures' }));
    // An outbox lag of 0 is a figure; zero batches and zero requests are no data.
    await waitFor(() => expect(screen.getByTestId('figure-outbox-lag').textContent).toBe('0 seconds'));
    expect(scrapes).toBe(before + 1);
    expect(screen.getByTestId('figure-commit-latency').textContent).toBe('No data yet');
    expect(screen.getByTestId('figure-error-rate').textContent).toBe('No data yet');
    expect(screen.getByTestId('figures-scraped-at').textContent).toContain('05:06:22 AM UTC');
  });

  it('shows the API\'s refusal when the metrics cannot be scraped', async () => {
    server.use(
      http.get(`${base}/api/v1/admin/system/figures`, () =>
        HttpResponse.json(
          { error: { code: 'unavailable', message: 'none of the 1 Ray nodes answered', request_id: 'r' } },
          { status: 503 }, // the client reads it again twice, 250 ms and 1 s later: no Retry-After to wait for
        ),
      ),
    );
    renderAdmin(<SystemPage />, { path: '/admin/system', pattern: '/admin/system', roles: ['admin'] });
    expect(await within(figuresSection()).findByRole('alert')).toBeTruthy();
    expect(screen.queryByTestId('figure-outbox-lag')).toBeNull();
  });
});
