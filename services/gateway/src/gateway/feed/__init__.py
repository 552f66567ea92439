"""The live feed: the services' events turned into what a screen needs, scoped per caller.

Pure code here (translation, scoping, texts, cursors, the in-memory fan-out); JetStream
and the database live in `gateway.adapters`.
"""
