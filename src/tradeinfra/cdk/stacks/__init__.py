"""One stack per service component."""
