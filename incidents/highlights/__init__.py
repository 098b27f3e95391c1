"""Monthly highlight reports on provider improvement plans (issue 23, item 2).

Each month a provider's team reports on each of its plans: overall status, progress, successes,
risks, support asked of the LMNS and next steps, beside the plan's measures as its run and SPC
charts read them. The provider's lead submits it; the LMNS reviews it with a comment. A report
not submitted by the LMNS's due day is late: flagged on the pages and reminded by email.
"""
