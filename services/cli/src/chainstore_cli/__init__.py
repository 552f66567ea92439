"""`chainstore`: the operator's command line, over the services' gRPC APIs and the gateway."""
