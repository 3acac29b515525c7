"""One module of routes per area; each parses, calls one use case, and renders."""
