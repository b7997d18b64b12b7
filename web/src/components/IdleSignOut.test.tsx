import { act, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IDLE_TIMEOUT_MS, IDLE_WARNING_MS, IdleSignOut } from './IdleSignOut';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const advance = (ms: number) =>
  act(() => {
    vi.advanceTimersByTime(ms);
  });

describe('IdleSignOut', () => {
  it('signs out after 15 minutes without activity, warning a minute before', () => {
    expect(IDLE_TIMEOUT_MS).toBe(15 * 60 * 1000);
    expect(IDLE_WARNING_MS).toBe(60 * 1000);
    const onSignOut = vi.fn();
    render(<IdleSignOut onSignOut={onSignOut} />);
    advance(IDLE_TIMEOUT_MS - IDLE_WARNING_MS - 1000);
    expect(screen.queryByRole('dialog')).toBeNull();
    advance(1000);
    expect(screen.getByRole('dialog', { name: 'Are you still there?' })).toBeTruthy();
    expect(screen.getByText('For your security you will be signed out in 60 seconds.')).toBeTruthy();
    advance(30_000);
    expect(screen.getByText('For your security you will be signed out in 30 seconds.')).toBeTruthy();
    expect(onSignOut).not.toHaveBeenCalled();
    advance(30_000);
    expect(onSignOut).toHaveBeenCalledTimes(1);
  });

  it('activity restarts the count; once warned only "Stay signed in" does', () => {
    const onSignOut = vi.fn();
    render(<IdleSignOut onSignOut={onSignOut} timeoutMs={10_000} warningMs={4_000} />);
    advance(5_000);
    fireEvent.keyDown(window, { key: 'a' });
    advance(5_000);
    expect(screen.queryByRole('dialog')).toBeNull(); // 5 s since the key press
    advance(1_000);
    expect(screen.getByRole('dialog')).toBeTruthy();
    fireEvent.pointerDown(window); // behind the modal: not presence
    advance(1_000);
    expect(screen.getByRole('dialog')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Stay signed in' }));
    advance(5_000);
    expect(onSignOut).not.toHaveBeenCalled();
    advance(10_000);
    expect(onSignOut).toHaveBeenCalledTimes(1);
  });

  it('"Sign out now" signs out at once', () => {
    const onSignOut = vi.fn();
    render(<IdleSignOut onSignOut={onSignOut} timeoutMs={10_000} warningMs={4_000} />);
    advance(6_000);
    fireEvent.click(screen.getByRole('button', { name: 'Sign out now' }));
    expect(onSignOut).toHaveBeenCalledTimes(1);
    advance(20_000);
    expect(onSignOut).toHaveBeenCalledTimes(1);
  });
});
