"""Clinical safety rules: screening before the first pen, checks during treatment, triage."""
