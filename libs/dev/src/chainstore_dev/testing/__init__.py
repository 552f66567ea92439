"""Real infrastructure for tests: a NATS server per test, a PostgreSQL database per test."""

from chainstore_dev.testing.infra import NatsServer, free_port, new_pg_database, pg_admin_url

__all__ = ["NatsServer", "free_port", "new_pg_database", "pg_admin_url"]
