"""The needs analysis (Bedarfsanalyse): questionnaires, invitations and responses."""
