"""Pharmacology: the PK and B-cell model, its solver, virtual populations and validation."""
