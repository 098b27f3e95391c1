"""The monthly perinatal return, its rates, the LMNS outcome signal and the critical safety check.

Beside the workforce return (one form, one deadline): a PerinatalReturn is one-to-one with
a WorkforceReturn, submitted and corrected with it (issue #21, items 1 to 4).
"""
