"""gRPC servicer, carrier poller, settings and process entry point."""
