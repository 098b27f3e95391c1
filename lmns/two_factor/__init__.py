"""Two-factor sign-in: a code from an authenticator app (TOTP) after the password.

Optional for everyone; an LMNS may require it of its own staff (``Lmns.two_factor_required``).
``services`` holds the rules, ``signin`` the half-signed-in session between the password and
the code, and ``middleware`` the one place where a session that owes a code is held back.
"""
