"""glot500.report: results.jsonl + stats.json -> a static HTML page, its Markdown twin, figures and tables.

Reads files only (no torch, no other stage's code): ``build_report(results, stats, out_dir, ...)``.
"""

from glot500.report.build import REPORT_SCHEMA_VERSION, build_report
from glot500.report.config import ReportConfig, parse_model_size

__all__ = ["REPORT_SCHEMA_VERSION", "ReportConfig", "build_report", "parse_model_size"]
