import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';
import '../i18n';

// findBy*/waitFor give up after this long: a busy CI core renders MUI slowly, and a wait that
// succeeds returns as soon as it does.
configure({ asyncUtilTimeout: 10_000 });

afterEach(() => {
  cleanup();
  sessionStorage.clear();
});
