"""The API for what the caseloads pages do: the record (enrolments, care team, supports, referrals out,
care plans, goals, steps, contacts and entries), caseload status, supervision and outcome figures.

Like the pages, these endpoints live here because their writes go through caseloads.services, which
also asks for the caseload row to be recomputed. Registered in config/api.py.
"""
