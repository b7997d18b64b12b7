import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** Signed out after this long without activity. */
export const IDLE_TIMEOUT_MS = 15 * 60 * 1000;
/** sessionStorage flag: the last sign-out of this tab was for inactivity (read once by the login page). */
export const IDLE_SIGN_OUT_KEY = 'bankflow.idleSignOut';

/** Whether this tab was just signed out for inactivity; forgets it. */
export function takeIdleSignOut(): boolean {
  try {
    const was = sessionStorage.getItem(IDLE_SIGN_OUT_KEY) === '1';
    sessionStorage.removeItem(IDLE_SIGN_OUT_KEY);
    return was;
  } catch {
    return false;
  }
}
/** The warning shows this long before. */
export const IDLE_WARNING_MS = 60 * 1000;
const ACTIVITY = ['pointerdown', 'keydown', 'wheel', 'touchstart', 'scroll', 'mousemove'] as const;

/**
 * Ends the session after `timeoutMs` without a key press, a click, a touch or a scroll, with a
 * dialog `warningMs` before it. Once the dialog shows, only "Stay signed in" keeps the session
 * (activity behind a modal is not taken for presence).
 */
export function IdleSignOut({
  onSignOut,
  timeoutMs = IDLE_TIMEOUT_MS,
  warningMs = IDLE_WARNING_MS,
}: {
  onSignOut: () => void;
  timeoutMs?: number;
  warningMs?: number;
}) {
  const { t } = useTranslation();
  const [warning, setWarning] = useState(false);
  const [secondsLeft, setSecondsLeft] = useState(Math.round(warningMs / 1000));
  const warnTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const endTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const tick = useRef<ReturnType<typeof setInterval> | null>(null);
  const warningShown = useRef(false);
  const signOut = useRef(onSignOut);
  signOut.current = onSignOut;

  const clear = () => {
    for (const timer of [warnTimer, endTimer]) {
      if (timer.current !== null) clearTimeout(timer.current);
      timer.current = null;
    }
    if (tick.current !== null) clearInterval(tick.current);
    tick.current = null;
  };

  const restart = useCallback(() => {
    clear();
    warningShown.current = false;
    setWarning(false);
    warnTimer.current = setTimeout(() => {
      warningShown.current = true;
      const endsAt = Date.now() + warningMs;
      setSecondsLeft(Math.round(warningMs / 1000));
      setWarning(true);
      tick.current = setInterval(() => setSecondsLeft(Math.max(0, Math.round((endsAt - Date.now()) / 1000))), 1000);
    }, Math.max(0, timeoutMs - warningMs));
    endTimer.current = setTimeout(() => {
      clear();
      setWarning(false);
      signOut.current();
    }, timeoutMs);
  }, [timeoutMs, warningMs]);

  useEffect(() => {
    restart();
    let last = 0;
    const active = () => {
      if (warningShown.current) return;
      const now = Date.now();
      if (now - last < 1000) return; // mousemove fires often: once a second is plenty
      last = now;
      restart();
    };
    for (const event of ACTIVITY) window.addEventListener(event, active, { passive: true, capture: true });
    return () => {
      for (const event of ACTIVITY) window.removeEventListener(event, active, { capture: true });
      clear();
    };
  }, [restart]);

  return (
    <Dialog open={warning} onClose={restart} aria-labelledby="idle-title" aria-describedby="idle-text">
      <DialogTitle id="idle-title">{t('idle.title')}</DialogTitle>
      <DialogContent>
        <DialogContentText id="idle-text">{t('idle.body', { count: secondsLeft })}</DialogContentText>
      </DialogContent>
      <DialogActions>
        <Button
          onClick={() => {
            clear();
            setWarning(false);
            signOut.current();
          }}
        >
          {t('idle.signOut')}
        </Button>
        <Button variant="contained" onClick={restart} autoFocus>
          {t('idle.stay')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
