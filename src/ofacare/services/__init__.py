"""Use cases: each public function runs one transaction over the records."""
