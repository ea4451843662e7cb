# Not collected: the `github` helper's end-to-end tests of the App's git read, every secondary-limit form and the reconciler's ETag reads, which need this branch's sandbox (git endpoint, limits, ETag). `apply.py` puts them in place.
collect_ignore_glob = ["*.py"]
