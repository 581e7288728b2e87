"""Every report a command writes, rendered as text for a terminal, Markdown for a pull request and
JSON for tools; the commands compute nothing here, and the core computes nothing for display.

- `markdown`: the one Markdown escaper: text read from files shows literally, never as markup;
- `jsondoc`: JSON as every command writes it;
- `agree`, `assign`, `blame`, `diff`, `stats`: one module per command's report.
"""
