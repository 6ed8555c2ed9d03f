"""Organisers' reports: charts, tables and a meeting's outcome, from counts that never single out a person.

This package holds the drawing (charts.py) and the small-numbers rule (privacy.py); the figures come from
storage/reports.py.
"""
