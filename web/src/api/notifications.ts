// The caller's notifications: history, preferences, and the live stream (server-sent events).
import { bankflowApi } from './api';
import type { components } from './schema';

type Schemas = components['schemas'];
export type Notification = Schemas['Notification'];
export type NotificationPage = Schemas['NotificationPage'];
export type Preferences = Schemas['Preferences'];
export type PreferencesChange = Schemas['PreferencesChange'];
export type StreamTicket = Schemas['StreamTicket'];

export const CATEGORIES = ['TRANSACTIONS', 'ACCOUNT', 'KYC', 'SECURITY'] as const;
export const CHANNELS = ['EMAIL', 'SMS', 'PUSH'] as const;
/** Security messages by email cannot be switched off (models/notifications.py ALWAYS_ON). */
export const ALWAYS_ON: ReadonlySet<string> = new Set(['SECURITY/EMAIL']);

export const notificationsApi = bankflowApi
  .enhanceEndpoints({ addTagTypes: ['Notifications', 'NotificationPreferences'] })
  .injectEndpoints({
    endpoints: (build) => ({
      notificationHistory: build.query<NotificationPage, { userId: string; limit?: number; cursor?: string | null }>({
        query: ({ userId, limit = 20, cursor }) => ({
          url: `api/v1/notifications/user/${encodeURIComponent(userId)}`,
          params: cursor ? { limit, cursor } : { limit },
        }),
        providesTags: ['Notifications'],
      }),
      notificationPreferences: build.query<Preferences, void>({
        query: () => 'api/v1/notifications/preferences',
        providesTags: ['NotificationPreferences'],
      }),
      setNotificationPreferences: build.mutation<Preferences, PreferencesChange>({
        query: (body) => ({ url: 'api/v1/notifications/preferences', method: 'PUT', body }),
        invalidatesTags: ['NotificationPreferences'],
      }),
      streamTicket: build.mutation<StreamTicket, void>({
        query: () => ({ url: 'api/v1/notifications/stream/ticket', method: 'POST' }),
      }),
    }),
  });

export const {
  useNotificationHistoryQuery,
  useNotificationPreferencesQuery,
  useSetNotificationPreferencesMutation,
  useStreamTicketMutation,
} = notificationsApi;

// "Unread": the API keeps no read state, so a notification is unread when it arrived after the
// newest one the user saw on the notifications page (its seq), kept in localStorage per user.
const SEEN_EVENT = 'bankflow:notifications-seen';
const seenKey = (userId: string) => `bankflow.notifications.seen.${userId}`;

export function lastSeenSeq(userId: string): number {
  try {
    return Number(localStorage.getItem(seenKey(userId)) ?? '0') || 0;
  } catch {
    return 0;
  }
}

export function markSeen(userId: string, seq: number): void {
  if (seq <= lastSeenSeq(userId)) return;
  try {
    localStorage.setItem(seenKey(userId), String(seq));
  } catch {
    // storage unavailable: the count resets with the page
  }
  window.dispatchEvent(new Event(SEEN_EVENT));
}

export function subscribeSeen(listener: () => void): () => void {
  window.addEventListener(SEEN_EVENT, listener);
  window.addEventListener('storage', listener); // another tab
  return () => {
    window.removeEventListener(SEEN_EVENT, listener);
    window.removeEventListener('storage', listener);
  };
}

export interface StreamHandlers {
  /** a fresh single-use ticket, for every (re)connection */
  ticket: () => Promise<string>;
  onNotification: (notification: Notification) => void;
  /** each time the stream (re)opens: what came meanwhile is in the history, refetch it */
  onOpen?: () => void;
}

/**
 * The live stream, kept open: EventSource cannot send an Authorization header, so each connection
 * takes a short-lived single-use ticket (POST /stream/ticket) in its URL — never the access token.
 * On an error the EventSource is closed (its own retry would reuse a spent ticket) and a new one
 * opens after a growing delay with a new ticket. Returns the function that stops it.
 */
export function openNotificationStream(handlers: StreamHandlers): () => void {
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  let failures = 0;

  const retry = () => {
    if (stopped) return;
    const delay = Math.min(30_000, 1_000 * 2 ** Math.min(failures, 5));
    failures += 1;
    timer = setTimeout(() => void connect(), delay);
  };

  const connect = async () => {
    timer = null;
    let ticket: string;
    try {
      ticket = await handlers.ticket();
    } catch {
      retry();
      return;
    }
    if (stopped) return;
    const opened = new EventSource(`${window.location.origin}/api/v1/notifications/stream?ticket=${encodeURIComponent(ticket)}`);
    source = opened;
    opened.onopen = () => {
      failures = 0;
      handlers.onOpen?.();
    };
    opened.addEventListener('notification', (event) => {
      try {
        handlers.onNotification(JSON.parse((event as MessageEvent<string>).data) as Notification);
      } catch {
        // not a notification: ignored
      }
    });
    opened.onerror = () => {
      opened.close();
      if (source === opened) source = null;
      retry();
    };
  };

  void connect();
  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    source?.close();
    source = null;
  };
}
