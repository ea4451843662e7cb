

def test_the_periodic_scans_are_conditional_reads_answered_304(world):
    base, head = mocked_change(world.repo)
    sandbox, service = world.start(base, head, settings={"MOCKGUARD_RECONCILE_INTERVAL": "0.5"})
    sandbox.completed_run(head)  # the first scan found the pull request and reviewed it

    listings = ("/installation/repositories", f"/repos/{REPO}/pulls")

    def answered_304() -> list[dict] | None:
        reads = [e for e in sandbox.state()["requests"] if e["method"] == "GET" and e["path"] in listings]
        return reads if {e["path"] for e in reads if e["status"] == 304} == set(listings) else None

    reads = wait_until(answered_304, "a scan whose listings were answered 304")
    # The first scan got the listings; later ones sent their ETags, and nothing had changed.
    assert [e["status"] for e in reads if e["path"] == listings[0]][0] == 200
