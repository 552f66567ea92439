"""Storage and peers: SQL tables and repositories, gRPC clients for inventory and logistics."""
