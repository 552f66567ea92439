# Shared fixtures (real NATS, per-test PostgreSQL databases) for every test folder.
pytest_plugins = ["chainstore_dev.testing.fixtures"]
