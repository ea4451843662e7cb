"""`mockguard serve`: the GitHub App's webhook service, wiring the GitHub boundary to the engine.

Rooms: `app` (web role), `handlers` + `router` (event -> job), `jobs`/`store`/`queue` (durable
work, shared between processes), `worker` + `review_job` (GitHub reads, engine, comments, check run), `reconciler`.
"""
