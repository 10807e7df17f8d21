"""A candidate's pathway: the optional modules they choose, checked against the award's rules, and
enrolment.
"""
