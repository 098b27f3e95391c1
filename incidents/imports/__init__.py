"""Importing incidents from a risk system's export (Datix, InPhase, Ulysses, LFPSE).

An upload is checked row by row (``validation``) against the same rules as the incident
form, previewed, and applied only if every row passes, in one transaction (``services``).
Large files are checked and applied by Celery (``tasks``) while the user watches.
"""
