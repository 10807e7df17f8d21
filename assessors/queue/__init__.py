"""The assessor's queue: everything waiting for them, keyset-paged, with turnaround in working days."""
