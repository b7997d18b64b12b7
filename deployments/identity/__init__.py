"""The identity service: users, sessions, tokens, codes, MFA."""
