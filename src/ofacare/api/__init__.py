"""The HTTP door: the REST API under /api/v1, the CDS Hooks service, and their one error shape."""
