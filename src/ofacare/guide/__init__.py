"""The patient guide and clinician summary, rendered from the knowledge base (HTML and PDF)."""
