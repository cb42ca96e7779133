"""Maintenance: anonymisation (clean-up and per-client requests), scheduled tasks, consistency."""
