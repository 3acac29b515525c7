"""The command-line door: parse, call the core, render."""
