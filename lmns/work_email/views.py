from django.contrib import messages
from django.shortcuts import redirect, render

from lmns.work_email import services
from lmns.work_email.forms import WorkEmailForm


def settings(request):
    """The signed-in person's own choice: nobody sets it for anyone else."""
    # Bound on any POST, even an empty one, so that sending no choice is refused rather than ignored.
    data = request.POST if request.method == "POST" else None
    form = WorkEmailForm(data, initial={"frequency": services.frequency_of(request.user)})
    if form.is_bound and form.is_valid():
        services.work_email_preference_set(user=request.user, frequency=form.cleaned_data["frequency"])
        messages.success(request, "Your email settings are saved.")
        return redirect("work-email-settings")
    return render(request, "lmns/work_email_settings.html", {"form": form})
