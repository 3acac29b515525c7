"""Exchange with other systems: iCalendar now; FHIR and CDS Hooks later."""
