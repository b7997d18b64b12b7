import { configureStore } from '@reduxjs/toolkit';
import { bankflowApi } from './api/api';
import { authReducer, signedOut } from './auth/authSlice';
import { saveSession } from './auth/session';

export function makeStore() {
  const store = configureStore({
    reducer: { auth: authReducer, [bankflowApi.reducerPath]: bankflowApi.reducer },
    middleware: (getDefault) => getDefault().concat(bankflowApi.middleware),
  });
  let last = store.getState().auth;
  store.subscribe(() => {
    const now = store.getState().auth;
    if (now !== last) {
      last = now;
      saveSession(now);
      if (!now.accessToken) store.dispatch(bankflowApi.util.resetApiState());
    }
  });
  return store;
}

export type AppStore = ReturnType<typeof makeStore>;
export type RootState = ReturnType<AppStore['getState']>;
export type AppDispatch = AppStore['dispatch'];
export { signedOut };
