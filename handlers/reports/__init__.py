"""Organisers' reports: charts, tables and a meeting's outcome, from counts that never single out a person.

- report.py: /report [month|quarter|year] [theme:…] [region:…] and /report csv;
- meeting.py (with meeting.html): /report meeting <sessions>, one meeting's outcome as a document for outsiders;
- figures.py: the tables, built from storage/reports.py's counts, and their CSV;
- charts.py: the tables drawn; privacy.py: the small-numbers rule.
"""

from handlers.reports.report import router

__all__ = ["router"]
