"""Compliance: the audit trail's search and export (approvals and the regulatory reports come next)."""
