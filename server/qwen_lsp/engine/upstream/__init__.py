"""Talking to the provider: the HTTP stream, dialects, errors, limits and back-off."""
