import { render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHUNK_RELOAD_KEY, ErrorBoundary, isChunkLoadError, reloadForNewChunks } from './ErrorBoundary';

function Broken(): never {
  throw new Error('cannot read the balance of undefined');
}

describe('the error boundary', () => {
  afterEach(() => vi.restoreAllMocks());

  it('shows what failed and a way back instead of a blank page', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined); // React and the boundary both report it
    render(
      <ErrorBoundary>
        <Broken />
      </ErrorBoundary>,
    );
    expect(screen.getByRole('alert').textContent).toContain('Something went wrong');
    expect(screen.getByTestId('render-error').textContent).toBe('cannot read the balance of undefined');
    expect(screen.getByRole('button', { name: 'Reload the page' })).toBeTruthy();
  });

  it('tells a missing chunk from a bug', () => {
    expect(isChunkLoadError(new TypeError('Failed to fetch dynamically imported module: /assets/TransferPage-1a2b.js'))).toBe(true);
    expect(isChunkLoadError(new TypeError('Importing a module script failed.'))).toBe(true);
    expect(isChunkLoadError(new Error('cannot read the balance of undefined'))).toBe(false);
  });

  it('reloads once for a missing chunk, not again within the minute', () => {
    const reload = vi.fn();
    const now = 1_000_000_000;
    expect(reloadForNewChunks(now, reload)).toBe(true);
    expect(sessionStorage.getItem(CHUNK_RELOAD_KEY)).toBe(String(now));
    expect(reloadForNewChunks(now + 30_000, reload)).toBe(false);
    expect(reloadForNewChunks(now + 61_000, reload)).toBe(true);
    expect(reload).toHaveBeenCalledTimes(2);
  });
});
