# Shared fixtures (real NATS, per-test PostgreSQL databases) for every test folder.
pytest_plugins = ["chainkit.testing.fixtures"]
