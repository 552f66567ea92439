"""Development and benchmark tooling: what `make run`, the tests and the benches use, kept out
of the service images. It may import chainkit and the services; they never import it."""
