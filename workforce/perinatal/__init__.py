"""The monthly perinatal return, its rates, the LMNS outcome signal and the critical safety check.

Beside the workforce return (one form, one deadline): a PerinatalReturn is one birth site's
figures for the month of a WorkforceReturn, which has one for each of the provider's birth
sites that gave figures that month, all submitted and corrected with it; the provider's figures
are their sum, and the outcome signal runs at each site (issue #21, items 1 to 4).
"""
