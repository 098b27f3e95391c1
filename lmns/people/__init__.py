"""Joiners and leavers: an LMNS's system administrators invite people to the LMNS and its
providers, grant and remove their roles, and deactivate those who leave."""
