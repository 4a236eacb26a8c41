"""Command groups of the `kg2i` CLI (one module per group, each with `register(app)`)."""
