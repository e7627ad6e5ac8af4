"""The bottom of the stack: classification levels and the access rules (roles → actions,
clearance + need-to-know → visibility). Pure code, no models, so every app, the audit log
included, can check permissions the same way (ADR 0002)."""
