"""Block Kit builders: pure functions from models to blocks."""
