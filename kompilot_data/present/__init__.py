"""Presentation: figure builders (plotly), briefings (PowerPoint, HTML, PNG)."""
