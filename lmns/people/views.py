from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from lmns.history import record_history
from lmns.pagination import paginate
from lmns.people import selectors, services
from lmns.people.forms import InviteForm, RoleGrantForm


def _organisations(request) -> list:
    organisations = selectors.organisations_administered(by=request.user)
    if not organisations:
        raise PermissionDenied
    return organisations


def _person(request, pk):
    return get_object_or_404(selectors.people_visible_to(request.user), pk=pk)


def _done(request, person):
    """Back to the person's page, or to the list once they hold no role here."""
    if selectors.people_visible_to(request.user).filter(pk=person.pk).exists():
        return redirect("people:detail", pk=person.pk)
    return redirect("people:list")


def _act(request, service, done: str, *, about, **kwargs):
    try:
        service(by=request.user, **kwargs)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return _done(request, about)


def person_list(request):
    if not selectors.lmnss_administered(request.user).exists():
        raise PermissionDenied
    page = paginate(request, selectors.person_list(by=request.user), per_page=50)
    return render(request, "lmns/people/person_list.html", {"page": page})


def person_invite(request):
    form = InviteForm(request.POST or None, organisations=_organisations(request))
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_invite(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"An invitation to choose a password has been sent to {person.email}.")
            return redirect("people:detail", pk=person.pk)
    return render(request, "lmns/people/person_invite.html", {"form": form})


def person_detail(request, pk):
    person = _person(request, pk)
    context = {
        "person": person,
        "roles": selectors.person_roles(person=person, by=request.user),
        "roles_elsewhere": selectors.holds_roles_elsewhere(person=person, by=request.user),
    }
    return render(request, "lmns/people/person_detail.html", context)


def person_history(request, pk):
    person = _person(request, pk)
    context = {
        "person": person,
        "page": record_history(person, page_number=request.GET.get("page")),
        "role_changes": selectors.person_role_changes(person=person, by=request.user),
    }
    return render(request, "lmns/people/person_history.html", context)


def role_grant(request, pk):
    person = _person(request, pk)
    form = RoleGrantForm(request.POST or None, organisations=_organisations(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_grant(person=person, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Role given.")
            return redirect("people:detail", pk=person.pk)
    return render(request, "lmns/people/role_grant.html", {"person": person, "form": form})


@require_POST
def role_remove(request, pk, membership):
    person = _person(request, pk)
    membership = get_object_or_404(selectors.person_roles(person=person, by=request.user), pk=membership)
    return _act(request, services.membership_remove, "Role removed.", about=person, membership=membership)


@require_POST
def person_deactivate(request, pk):
    person = _person(request, pk)
    done = "Account deactivated: they are signed out and their API tokens are revoked."
    return _act(request, services.person_deactivate, done, about=person, person=person)


@require_POST
def person_reactivate(request, pk):
    person = _person(request, pk)
    return _act(request, services.person_reactivate, "Account reactivated.", about=person, person=person)


@require_POST
def invitation_resend(request, pk):
    person = _person(request, pk)
    done = f"A new invitation has been sent to {person.email}."
    return _act(request, services.invitation_resend, done, about=person, person=person)
