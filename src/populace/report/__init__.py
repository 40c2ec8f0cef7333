"""The research report: one self-contained HTML file with embedded figures."""

from populace.report.html import build_report

__all__ = ["build_report"]
