"""`mockguard serve`: the GitHub App's webhook service, wiring the GitHub boundary to the engine.

Rooms: `app` (web role), `handlers` + `router` (event -> job), `jobs`/`ledger`/`queue` (durable
work), `worker` + `review_job` (GitHub reads, engine, comments, check run), `reconciler`.
"""
