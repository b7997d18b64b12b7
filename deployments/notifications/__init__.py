"""The notifications service deployment (history, preferences, templates, admin sends, stream)."""
