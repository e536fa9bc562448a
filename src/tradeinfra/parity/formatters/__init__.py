"""Render a ParityReport: text (rich renderables), JSON, Markdown, HTML."""
