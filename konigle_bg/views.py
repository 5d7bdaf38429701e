"""Views of the seller's side (review pages); store scoping through ``host.stores_for``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404

from . import host, services
from .models import PhotoState


def _image_for(user, image_id: int):
    """The photo if ``user`` belongs to its store; 404 otherwise (never reveal it exists)."""
    lookup = {f"{host.image_store_lookup()}__in": host.stores_for(user)}
    return get_object_or_404(host.image_model().objects.filter(**lookup), pk=image_id)


@login_required
def image_status(request, image_id: int):
    image = _image_for(request.user, image_id)
    state = PhotoState.objects.filter(image=image).first()
    if state is None and not host.image_file(image):
        raise Http404
    return JsonResponse(
        {
            "id": image.pk,
            "status": state.status if state else "",
            "error": state.error if state else "",
            "reverted": state.reverted if state else False,
            "display_url": services.display_url(image),
        }
    )
