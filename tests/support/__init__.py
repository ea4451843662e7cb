"""What the tests build for real, in one place: git repositories, App keys and JWTs, free loopback
ports, and the processes they start (`mockguard ...` commands and long-running servers).

Import it as `from tests.support.git import GitRepo` (pytest's `pythonpath` puts the repository root
on `sys.path`; see pyproject.toml). Nothing here fakes anything: git is the real binary, keys are
real RSA keys, servers are real processes on 127.0.0.1.
"""
