"""Escalation prevention: the customer's mood, waiting and SLA clocks, repeat contacts, alert rules,
the queue watch and handoff summaries. `model` holds the dataclasses every part shares."""
