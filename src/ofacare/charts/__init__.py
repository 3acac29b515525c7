"""Charts people can read: what a simulated ofatumumab course does to drug level and B cells."""
