"""The seller's review pages: the store grid, the product page, and their small JSON endpoints.

Same login as the admin (staff), scoped through ``host.stores_for``: a photo, product or store
of a store the user is not a member of is a 404, never a 403 (its existence is not revealed).
Writes go through services; these views only check the request and pick the objects.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from . import host, services
from .conf import bg_settings
from .forms import RepromptForm, ReviewFilterForm
from .imaging.prompts import prompts_from_title
from .models import (
    BackgroundTheme,
    Job,
    JobStatus,
    PhotoState,
    ThemeRun,
    Variant,
    in_review_order,
    needs_review_q,
)

OPEN = (JobStatus.PENDING, JobStatus.RUNNING)


# ---------------------------------------------------------------- scoping


def images_for(user):
    """Photos of the stores ``user`` belongs to (all for superusers)."""
    lookup = {f"{host.image_store_lookup()}__in": host.stores_for(user)}
    return host.image_model().objects.filter(**lookup)


def products_for(user):
    lookup = {f"{bg_settings.PRODUCT_STORE}__in": host.stores_for(user)}
    return host.product_model().objects.filter(**lookup)


def _image_for(user, image_id: int):
    """The photo if ``user`` belongs to its store; 404 otherwise (never reveal it exists)."""
    return get_object_or_404(
        images_for(user).select_related(bg_settings.PRODUCT_FIELD), pk=image_id
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


def _state_dict(image, state: PhotoState | None, variant: Variant | None, job: Job | None):
    status = state.status if state else ""
    confidence = state.confidence if state else None
    return {
        "id": image.pk,
        "status": status,
        "status_label": _status_label(state),
        "error": (state.error if state else "") or (job.error if job else ""),
        "confidence": confidence,
        "confidence_pct": None if confidence is None else round(100 * confidence),
        "needs_review": status == JobStatus.FAILED
        or (confidence is not None and confidence < bg_settings.REVIEW_THRESHOLD),
        "reverted": bool(state and state.reverted),
        "original_url": host.image_file(image).url,
        "display_url": variant.file.url if variant else host.image_file(image).url,
        "theme": variant.theme.name if variant and variant.theme else "",
        "variant": variant.pk if variant else None,
        "job": _job_dict(job) if job else None,
    }


def _status_label(state: PhotoState | None) -> str:
    if state is None or not state.status:
        return "Not processed"
    if state.reverted and state.status not in OPEN:
        return "Original (reverted)"
    return {
        JobStatus.PENDING: "Queued",
        JobStatus.RUNNING: "Processing…",
        JobStatus.DONE: "Done",
        JobStatus.FAILED: "Failed",
    }.get(state.status, state.status)


def _job_dict(job: Job) -> dict:
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "error": job.error,
        "prompt": job.prompt,
        "box": job.box,
        "variant": job.variant_id,
    }


def photo_rows(images) -> list[dict]:
    """Everything the pages show about ``images``, in a fixed number of queries."""
    images = list(images)
    states = {s.image_id: s for s in PhotoState.objects.filter(image__in=images)}
    active = {
        v.image_id: v
        for v in Variant.objects.filter(image__in=images, is_active=True).select_related("theme")
    }
    jobs = services.latest_jobs(images)
    return [
        _state_dict(img, states.get(img.pk), active.get(img.pk), jobs.get(img.pk)) for img in images
    ]


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
    images = host.image_model().objects.filter(**{host.image_store_lookup(): store})
    qs = review_queryset(
        images.select_related(bg_settings.PRODUCT_FIELD),
        needs_review=filters.get("needs_review") or False,
        status=filters.get("status") or "",
    )
    per_page = filters.get("per_page") or 50
    page = Paginator(qs, per_page).get_page(request.GET.get("page"))
    rows = photo_rows(page.object_list)
    for row, img in zip(rows, page.object_list, strict=True):
        product = host.image_product(img)
        row["product"] = product
        row["title"] = host.product_title(product)
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
            "themes": themes,
            "run": run,
            "run_open": bool(run and run.state in ("pending", "running")),
        },
    )


@staff_member_required
@require_GET
def review_product(request: HttpRequest, product_id: int) -> HttpResponse:
    """One product: each photo's original, what is shown, its history; revert, re-prompt."""
    product = get_object_or_404(products_for(request.user), pk=product_id)
    images = list(host.product_images(product))
    rows = photo_rows(images)
    title = host.product_title(product)
    suggested = ", ".join(prompts_from_title(title, host.product_description(product)))
    history: dict = {}
    for v in (
        Variant.objects.filter(image__in=images)
        .select_related("theme", "cutout")
        .order_by("-created", "-pk")
    ):
        history.setdefault(v.image_id, []).append(v)
    states = {s.image_id: s for s in PhotoState.objects.filter(image__in=images)}
    accepts = services.accepts_prompts()
    for image, row in zip(images, rows, strict=True):
        row["fix"] = services.editor_state(image)
        state = states.get(row["id"])
        remembered = state.prompt if state else ""
        row["variants"] = history.get(row["id"], [])
        row["form"] = RepromptForm(
            initial={"prompt": remembered or suggested}, accepts_prompts=accepts
        )
        row["box"] = state.box if state else None
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
                messages.error(request, f"Photo {image.pk}: {error}")
        return _back(request, image)
    try:
        services.reprompt(
            image,
            prompt=form.cleaned_data.get("prompt") or "",
            box=form.cleaned_data.get("box"),
            user=request.user,
        )
    except services.InvalidRequest as exc:
        messages.error(request, f"Photo {image.pk}: {exc}")
    else:
        messages.info(request, f"Photo {image.pk}: re-prompt queued.")
    return _back(request, image)


@staff_member_required
@require_POST
def revert(request: HttpRequest, image_id: int) -> HttpResponse:
    image = _image_for(request.user, image_id)
    services.revert_image(image)
    messages.success(request, f"Photo {image.pk}: the original is shown again.")
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
        messages.error(request, f"Photo {image.pk}: no such finished result.")
    else:
        services.activate(variant)
        messages.success(request, f"Photo {image.pk}: result {variant.pk} is shown now.")
    return _back(request, image)


@staff_member_required
@require_POST
def revert_product(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_object_or_404(products_for(request.user), pk=product_id)
    n = services.revert_product(product)
    messages.success(request, f"{n} photo(s): the originals are shown again.")
    return redirect("konigle_bg:review-product", product_id=product.pk)


@staff_member_required
@require_POST
def reprocess_product(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_object_or_404(products_for(request.user), pk=product_id)
    jobs = services.reprocess_product(product, user=request.user)
    messages.info(request, f"{len(jobs)} photo(s) queued.")
    return redirect("konigle_bg:review-product", product_id=product.pk)


# ---------------------------------------------------------------- JSON status (polled by JS)


@staff_member_required
@require_GET
def image_status(request: HttpRequest, image_id: int) -> JsonResponse:
    image = _image_for(request.user, image_id)
    return JsonResponse(photo_rows([image])[0])


@staff_member_required
@require_GET
def images_status(request: HttpRequest) -> JsonResponse:
    """Status of many photos at once (``?ids=1,2,3``, at most 200): the grid polls this."""
    try:
        ids = [int(i) for i in request.GET.get("ids", "").split(",") if i.strip()][:200]
    except ValueError:
        return JsonResponse({"error": "ids must be a comma-separated list of numbers"}, status=400)
    images = images_for(request.user).filter(pk__in=ids).order_by("pk")
    return JsonResponse({"images": photo_rows(images)})
