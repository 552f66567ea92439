"""Typed fakes of the three services, served over real gRPC by tests/conftest.py."""
