import { render, screen, waitFor } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { act } from 'react';
import { Provider } from 'react-redux';
import { MemoryRouter } from 'react-router';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Notification } from '../api/notifications';
import { markSeen } from '../api/notifications';
import { tokensReceived } from '../auth/authSlice';
import { makeStore } from '../store';
import { user } from '../test/fixtures';
import { NotificationBell } from './NotificationBell';

const base = window.location.origin;

/** EventSource as the bell uses it: named events, onopen, onerror, close. */
class MockEventSource {
  static instances: MockEventSource[] = [];
  readonly url: string;
  onopen: ((event: Event) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  closed = false;
  private listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();
  constructor(url: string) {
    this.url = url;
    MockEventSource.instances.push(this);
  }
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close() {
    this.closed = true;
  }
  emit(type: string, data: unknown) {
    const event = new MessageEvent(type, { data: JSON.stringify(data) });
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }
}

function notification(seq: number): Notification {
  return {
    notification_id: `0f9b2c58-7777-4c4c-9a9a-${String(seq).padStart(12, '0')}`,
    seq,
    user_id: user.user_id,
    event_type: 'transaction.completed',
    channel: 'EMAIL',
    recipient: user.email,
    subject: `Message ${seq}`,
    body: 'You received money.',
    template: 'transaction_completed',
    status: 'sent',
    attempts: 1,
    last_error: null,
    sent_at: '2026-03-04T05:06:07Z',
    created_at: '2026-03-04T05:06:07Z',
  };
}

let tickets = 0;
let ticketAuth: (string | null)[] = [];
const server = setupServer(
  http.get(`${base}/api/v1/auth/me`, () => HttpResponse.json(user)),
  http.get(`${base}/api/v1/notifications/user/:userId`, () =>
    HttpResponse.json({ items: [notification(2), notification(1)], next_cursor: null }),
  ),
  http.post(`${base}/api/v1/notifications/stream/ticket`, ({ request }) => {
    tickets += 1;
    ticketAuth.push(request.headers.get('Authorization'));
    return HttpResponse.json({ ticket: `ticket-${tickets}`, expires_in_s: 30 }, { status: 201 });
  }),
);

beforeAll(() => {
  server.listen({ onUnhandledRequest: 'error' });
  vi.stubGlobal('EventSource', MockEventSource);
});
afterAll(() => {
  server.close();
  vi.unstubAllGlobals();
});
beforeEach(() => {
  MockEventSource.instances = [];
  tickets = 0;
  ticketAuth = [];
  localStorage.clear();
});
afterEach(() => server.resetHandlers());

function renderBell() {
  const store = makeStore();
  store.dispatch(tokensReceived({ access_token: 'access', refresh_token: 'refresh' }));
  return render(
    <Provider store={store}>
      <MemoryRouter>
        <NotificationBell />
      </MemoryRouter>
    </Provider>,
  );
}

const bell = () => screen.getByTestId('notification-bell');
const live = () => MockEventSource.instances.filter((s) => !s.closed);

describe('NotificationBell', () => {
  it('counts an incoming event as unread, live', async () => {
    markSeen(user.user_id, 2); // both in the history were seen on the list
    renderBell();
    await waitFor(() => expect(live()).toHaveLength(1));
    await waitFor(() => expect(bell().getAttribute('aria-label')).toBe('Notifications'));
    const source = live()[0] as MockEventSource;
    // a ticket in the URL, never the access token
    expect(source.url).toBe(`${base}/api/v1/notifications/stream?ticket=ticket-1`);
    expect(source.url).not.toContain('access');
    expect(ticketAuth).toEqual(['Bearer access']);

    act(() => source.emit('notification', notification(3)));
    await waitFor(() => expect(bell().getAttribute('aria-label')).toBe('Notifications: 1 unread'));
    expect(bell().textContent).toContain('1');
    expect(screen.getByRole('status').textContent).toBe('New notification: Message 3');

    act(() => source.emit('notification', notification(3))); // the same one again: still 1
    act(() => source.emit('notification', notification(4)));
    await waitFor(() => expect(bell().getAttribute('aria-label')).toBe('Notifications: 2 unread'));

    act(() => markSeen(user.user_id, 4)); // the list was opened
    await waitFor(() => expect(bell().getAttribute('aria-label')).toBe('Notifications'));
  });

  it('counts everything newer than the last visit to the list, and reconnects with a fresh ticket', async () => {
    markSeen(user.user_id, 1);
    renderBell();
    await waitFor(() => expect(bell().getAttribute('aria-label')).toBe('Notifications: 1 unread'));
    await waitFor(() => expect(live()).toHaveLength(1));
    const first = live()[0] as MockEventSource;
    act(() => first.onerror?.(new Event('error')));
    expect(first.closed).toBe(true);
    await waitFor(() => expect(live()).toHaveLength(1), { timeout: 3000 });
    expect((live()[0] as MockEventSource).url).toContain('ticket=ticket-2');
  });

  it('closes the stream when it goes away', async () => {
    const view = renderBell();
    await waitFor(() => expect(live()).toHaveLength(1));
    view.unmount();
    expect(live()).toHaveLength(0);
  });
});
