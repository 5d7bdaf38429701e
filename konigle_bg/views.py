"""The seller's review pages: the store grid, the product page, and their small JSON endpoints.

Same login as the admin (staff), scoped through ``host.visible_to``: a photo, product or store
of a store the user is not a member of is a 404, never a 403 (its existence is not revealed).
Writes go through services; these views only check the request and pick the objects.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_POST

from . import host, services
from .api.errors import field_error, not_found_body
from .conf import bg_settings
from .errors import KonigleBgError
from .forms import RepromptForm, ReviewFilterForm
from .imaging.prompts import prompts_from_title
from .models import (
    BackgroundTheme,
    Job,
    JobStatus,
    ThemeRun,
    Variant,
    in_review_order,
    needs_review_q,
)

# ---------------------------------------------------------------- scoping


def _image_for(user, image_id: int):
    """The photo if ``user`` belongs to its store; 404 otherwise (never reveal it exists)."""
    return get_object_or_404(
        host.images_for(user).select_related(bg_settings.PRODUCT_FIELD), pk=image_id
    )


def review_queryset(images, *, needs_review: bool = False, status: str = ""):
    """Processed photos, least confident first (failed ones before any score)."""
    qs = images.filter(bg_state__isnull=False)
    if needs_review:
        qs = qs.filter(needs_review_q())
    if status:
        qs = qs.filter(bg_state__status=status)
    return in_review_order(qs)


# ---------------------------------------------------------------- rows shown on the pages


def _row(photo: services.PhotoStatus, job: Job | None) -> dict:
    """A photo as the pages and their JSON show it: read off :class:`services.PhotoStatus`
    (what the API shows too), plus the photo's latest job."""
    return {
        "id": photo.image.pk,
        "status": photo.status,
        "status_label": photo.label,
        "error": photo.error or (job.error if job else ""),
        "confidence": photo.confidence,
        "confidence_pct": photo.confidence_pct,
        "needs_review": photo.needs_review,
        "held": photo.is_held,
        "reverted": photo.reverted,
        "original_url": photo.original_url,
        "display_url": photo.display_url,
        "pending_url": photo.pending_url,
        "pending_variant": photo.held.pk if photo.held else None,
        "made_by": photo.made_by,
        "theme": photo.theme_name,
        "variant": photo.active.pk if photo.active else None,
        "job": _job_dict(job) if job else None,
    }


def photo_message(image, text) -> str:
    """A message about one photo, for the messages framework."""
    return gettext("Photo %(id)s: %(text)s") % {"id": image.pk, "text": text}


def _job_dict(job: Job) -> dict:
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "error": job.error,
        "outcome": job.outcome,
        "prompt": job.prompt,
        "box": job.box,
        "variant": job.variant_id,
    }


def photo_rows(images, photos: list[services.PhotoStatus] | None = None) -> list[dict]:
    """Everything the pages show about ``images`` (their ``photos`` when the caller has
    them), in a fixed number of queries."""
    if photos is None:
        photos = services.photo_statuses(images)
    jobs = services.latest_jobs([p.image for p in photos])
    return [_row(photo, jobs.get(photo.image.pk)) for photo in photos]


# ---------------------------------------------------------------- pages


@staff_member_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    stores = list(host.stores_for(request.user))
    if len(stores) == 1:
        return redirect("konigle_bg:review-store", store_id=stores[0].pk)
    return render(request, "konigle_bg/index.html", {"stores": stores})


@staff_member_required
@require_GET
def review_store(request: HttpRequest, store_id: int) -> HttpResponse:
    """Every processed photo of a store, before/after, least confident first, paginated."""
    store = get_object_or_404(host.stores_for(request.user), pk=store_id)
    data = request.GET.copy()
    data.setdefault("per_page", "50")
    form = ReviewFilterForm(data)
    filters = form.cleaned_data if form.is_valid() else {}
    images = host.store_images(store)
    qs = review_queryset(
        images.select_related(bg_settings.PRODUCT_FIELD),
        needs_review=filters.get("needs_review") or False,
        status=filters.get("status") or "",
    )
    per_page = filters.get("per_page") or 50
    page = Paginator(qs, per_page).get_page(request.GET.get("page"))
    photos = services.photo_statuses(page.object_list)
    rows = photo_rows(page.object_list, photos)
    for row, photo in zip(rows, photos, strict=True):
        row["product"] = photo.product
        row["title"] = photo.product_title
    query = request.GET.copy()
    query.pop("page", None)
    themes = list(BackgroundTheme.objects.filter(store=store))
    run = ThemeRun.objects.filter(store=store).select_related("theme").first()
    return render(
        request,
        "konigle_bg/review_store.html",
        {
            "store": store,
            "page": page,
            "rows": rows,
            "form": form,
            "query": query.urlencode(),
            "threshold_pct": round(100 * bg_settings.REVIEW_THRESHOLD),
            "held_total": images.filter(bg_state__held_variant__isnull=False).count(),
            "back": request.get_full_path(),
            "themes": themes,
            "run": run,
            "run_open": bool(run and run.is_open),
            "runs_url": theme_runs_api_url(),
        },
    )


def theme_runs_api_url() -> str:
    """The API endpoint the page's theme switch talks to; "" when the shop does not mount the
    API (``konigle_bg.api.urls``): the page then shows the switch's state without its form."""
    try:
        return reverse("konigle_bg_api:themerun-list")
    except NoReverseMatch:
        return ""


@staff_member_required
@require_GET
def review_product(request: HttpRequest, product_id: int) -> HttpResponse:
    """One product: each photo's original, what is shown, its history; revert, re-prompt."""
    product = get_object_or_404(host.products_for(request.user), pk=product_id)
    images = list(host.product_images(product))
    photos = services.photo_statuses(images)
    rows = photo_rows(images, photos)
    title = host.product_title(product)
    suggested = ", ".join(prompts_from_title(title, host.product_description(product)))
    history: dict = {}
    for v in (
        Variant.objects.filter(image__in=images)
        .select_related("theme", "cutout")
        .order_by("-created", "-pk")
    ):
        history.setdefault(v.image_id, []).append(v)
    accepts = services.accepts_prompts()
    for photo, row in zip(photos, rows, strict=True):
        row["fix"] = services.editor_state(photo.image)
        row["variants"] = history.get(row["id"], [])
        row["form"] = RepromptForm(
            initial={"prompt": photo.prompt or suggested}, accepts_prompts=accepts
        )
        row["box"] = photo.box
    return render(
        request,
        "konigle_bg/review_product.html",
        {
            "product": product,
            "title": title,
            "store": host.product_store(product),
            "rows": rows,
            "accepts_prompts": accepts,
            "segmenter": bg_settings.SEGMENTER,
            "suggested": suggested,
            "storefront_url": _storefront_url(product),
        },
    )


def _storefront_url(product) -> str:
    get_url = getattr(product, "get_absolute_url", None)
    return get_url() if get_url else ""


# ---------------------------------------------------------------- actions (POST, then back)


def _back(request: HttpRequest, image) -> HttpResponse:
    """Back to the page the action came from (``next``, e.g. the store grid), else to the
    photo on its product's page."""
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(f"{back}#card-{image.pk}")
    product = host.image_product(image)
    url = reverse("konigle_bg:review-product", args=[product.pk])
    return redirect(f"{url}#photo-{image.pk}")


@staff_member_required
@require_POST
def reprompt(request: HttpRequest, image_id: int) -> HttpResponse:
    image = _image_for(request.user, image_id)
    form = RepromptForm(request.POST, accepts_prompts=services.accepts_prompts())
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, photo_message(image, error))
        return _back(request, image)
    try:
        services.reprompt(
            image,
            prompt=form.cleaned_data.get("prompt") or "",
            box=form.cleaned_data.get("box"),
            user=request.user,
        )
    except KonigleBgError as exc:  # said in the seller's language, on the page
        messages.error(request, photo_message(image, exc.message(gettext)))
    else:
        messages.info(request, photo_message(image, gettext("re-prompt queued.")))
    return _back(request, image)


@staff_member_required
@require_POST
def revert(request: HttpRequest, image_id: int) -> HttpResponse:
    image = _image_for(request.user, image_id)
    services.revert_image(image)
    messages.success(request, photo_message(image, gettext("the original is shown again.")))
    return _back(request, image)


@staff_member_required
@require_POST
def activate(request: HttpRequest, image_id: int) -> HttpResponse:
    image = _image_for(request.user, image_id)
    raw = request.POST.get("variant", "")
    variant = (
        Variant.objects.filter(image=image, pk=int(raw), status=JobStatus.DONE).first()
        if raw.isdigit()
        else None
    )
    if variant is None:
        messages.error(request, photo_message(image, gettext("no such finished result.")))
    else:
        services.activate(variant)
        messages.success(
            request,
            photo_message(
                image, gettext("result %(variant)s is shown now.") % {"variant": variant.pk}
            ),
        )
    return _back(request, image)


@staff_member_required
@require_POST
def accept(request: HttpRequest, image_id: int) -> HttpResponse:
    """Show the result held for the seller (one click on the grid or the product page)."""
    image = _image_for(request.user, image_id)
    try:
        services.accept_held(image)
    except services.NothingHeld as exc:
        messages.warning(request, photo_message(image, exc.message(gettext)))
    else:
        messages.success(request, photo_message(image, gettext("accepted: it is shown now.")))
    return _back(request, image)


@staff_member_required
@require_POST
def revert_product(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_object_or_404(host.products_for(request.user), pk=product_id)
    n = services.revert_product(product)
    messages.success(
        request,
        ngettext(
            "%(n)d photo: the original is shown again.",
            "%(n)d photos: the originals are shown again.",
            n,
        )
        % {"n": n},
    )
    return redirect("konigle_bg:review-product", product_id=product.pk)


@staff_member_required
@require_POST
def reprocess_product(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_object_or_404(host.products_for(request.user), pk=product_id)
    jobs = services.reprocess_product(product, user=request.user)
    messages.info(
        request,
        ngettext("%(n)d photo queued.", "%(n)d photos queued.", len(jobs)) % {"n": len(jobs)},
    )
    return redirect("konigle_bg:review-product", product_id=product.pk)


# ---------------------------------------------------------------- JSON status (polled by JS)


@staff_member_required
@require_GET
def image_status(request: HttpRequest, image_id: int) -> JsonResponse:
    image = host.images_for(request.user).filter(pk=image_id).first()
    if image is None:  # the JSON endpoints answer in the API's error shape, never a page
        return JsonResponse(not_found_body(), status=404)
    return JsonResponse(photo_rows([image])[0])


@staff_member_required
@require_GET
def images_status(request: HttpRequest) -> JsonResponse:
    """Status of many photos at once (``?ids=1,2,3``, at most 200): the grid polls this."""
    try:
        ids = [int(i) for i in request.GET.get("ids", "").split(",") if i.strip()][:200]
    except ValueError:
        return JsonResponse(
            field_error("ids", gettext("ids must be a comma-separated list of numbers")), status=400
        )
    images = host.images_for(request.user).filter(pk__in=ids).order_by("pk")
    return JsonResponse({"images": photo_rows(images)})
