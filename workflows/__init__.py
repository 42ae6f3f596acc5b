"""Tongxin's domain-neutral engine layer on viewflow: org directory, calendar, audit, access, due items."""
