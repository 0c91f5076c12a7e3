"""Care domain logic: pseudonymous codes, alarms, supervision. Minimal Home Assistant use."""
