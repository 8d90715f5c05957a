"""Site planning: choose new cell sites among candidates to cover villages without 3G/4G."""
