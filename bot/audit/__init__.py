"""`mockguard audit`: the mocks already in the integration suite, grouped as a person fixes them.

`check` stops new mocks; the audit lists the old ones. It runs the same engine on every gated file
of a revision as if the whole file were new (same rules, categories, tolerations and suppressions),
then groups the sites by file and by the test, fixture or helper that holds them.

- `inventory.py`: pure: file texts in, an `Inventory` out (no git, no I/O).
- `compare.py`: pure: two inventories in, the sites added, removed and moved between them.
- `reports.py`: text, markdown, html, json (`mockguard.audit/1`) and sarif.
- `cli.py`: the command; reads a revision's files with git.
"""
