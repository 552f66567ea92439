"""Process edges: gRPC servicer, NATS consumer, settings, composition root, main."""
