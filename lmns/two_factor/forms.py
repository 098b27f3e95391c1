from django import forms


class CodeForm(forms.Form):
    """A code from the authenticator app or, where allowed, a recovery code."""

    code = forms.CharField(
        label="Code",
        max_length=40,
        help_text="The 6-digit code your authenticator app shows now, or one of your recovery codes.",
        error_messages={"required": "Enter the code from your authenticator app, or a recovery code"},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )


class AppCodeForm(CodeForm):
    """Only the app's own code: the step that proves a newly added app works."""

    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=12,
        help_text="The 6-digit code the app shows for LMNS Safety.",
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
