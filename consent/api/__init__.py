"""API v1 of consent: a customer's consents (current state per purpose and history) and recording one."""
