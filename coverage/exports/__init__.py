"""Exports for the people who read the results elsewhere: Excel workbooks, Google Earth
KMZ, QGIS styles and the leadership PDF report. Each module writes one format."""
