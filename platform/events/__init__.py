"""The tamper-evident event log: every state change, appended to a hash chain."""
