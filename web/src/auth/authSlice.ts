import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import type { TokenPair } from '../api/types';
import { loadSession, type AuthState } from './session';


const authSlice = createSlice({
  name: 'auth',
  initialState: (): AuthState => loadSession(),
  reducers: {
    tokensReceived(state, action: PayloadAction<Pick<TokenPair, 'access_token' | 'refresh_token'>>) {
      state.accessToken = action.payload.access_token;
      state.refreshToken = action.payload.refresh_token;
    },
    signedOut(state) {
      state.accessToken = null;
      state.refreshToken = null;
    },
  },
});

export const { tokensReceived, signedOut } = authSlice.actions;
export const authReducer = authSlice.reducer;
