"""The load test is a script (``make load``), not part of ``make test``: pytest collects nothing here."""

collect_ignore_glob = ["*"]
