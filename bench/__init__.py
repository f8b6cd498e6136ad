"""The benchmark: the real `python -m bot` against a bare slack-bolt app, side by side (not tests)."""
