"""The one place where the ORM, storage and the pure imaging core meet.

Every function here is idempotent: rows are keyed by hashes of what shapes them (unique in the
database), files are written under a temporary name and moved into place, and a row points to
a file only once the file exists. One module per concern, public names only; callers use
``services.<name>``. The modules, from the bottom up:

- ``rows``, ``files``: race-safe row creation; keys, checksums, atomic file writes.
- ``photo_state``: where a photo's processing stands; ``queueing``: hand a photo to a worker.
- ``cutouts``: segmentation, once per photo version; ``themes``: a store's themes.
- ``variants``: a cut-out rendered on a theme, shown or reverted.
- ``processing``: one photo's job, its result shown or held for the seller; ``jobs``: a
  seller's re-prompt/reprocess requests and accepting a held result;
  ``corrections``: a seller's clicks and strokes (preview, then applied as a job).
- ``theme_runs``: store-wide theme switches (``timing`` times their batches); ``previews``.
- ``imports``: new originals from uploads and URLs.
- ``status``: the read model of what a photo shows and where it stands.
"""

from .corrections import (
    MAX_CLICKS,
    base_cutout,
    check_corrections,
    corrected_cutout,
    editor_state,
    preview_corrections,
    request_corrections,
    run_corrections,
)
from .cutouts import (
    cached_cutout,
    cutout_spec,
    ensure_cutout,
    ensure_cutout_image,
    load_cutout,
    packed_name,
    prompts_for,
    segmenter,
    subject_of_photo,
)
from .files import (
    SourceUnavailable,
    load_source,
    photo_size,
    results_dir,
    source_checksum,
    spec_hash,
    write_file,
)
from .imports import IMPORT_EXTENSIONS, add_photo, fetch_public_image, import_photo_from_url
from .jobs import (
    MAX_PROMPT_LENGTH,
    MIN_BOX_SIDE,
    InvalidRequest,
    NothingHeld,
    accept_held,
    accepts_prompts,
    clamp_box,
    latest_jobs,
    reprocess_product,
    reprompt,
    run_seller_job,
)
from .photo_state import allow_processing, mark_queued, remember_prompt, set_photo_state, state_of
from .previews import preview_images, render_preview
from .processing import (
    Outcome,
    cut_out_and_show,
    cut_out_only,
    is_doubtful,
    process_again,
    process_queued_photo,
    render_and_show,
    reprompt_photo,
    show_or_hold,
    show_result,
)
from .queueing import queue_photo
from .retention import PruneReport, prune
from .status import (
    PhotoStatus,
    active_variants_prefetch,
    display_url,
    display_urls,
    photo_status,
    photo_statuses,
    status_related,
)
from .theme_runs import (
    ThemeRunConflict,
    ThemeRunError,
    cancel_theme_run,
    finish_theme_run,
    run_theme_batch,
    start_theme_run,
)
from .themes import (
    ThemeError,
    active_theme,
    background_image,
    install_presets,
    preset_theme,
    set_product_theme,
    theme_fingerprint,
    theme_for,
)
from .variants import (
    activate,
    ensure_variant,
    render_again,
    revert_image,
    revert_product,
    show_variant,
    variant_key,
)

__all__ = [
    "IMPORT_EXTENSIONS",
    "InvalidRequest",
    "MAX_CLICKS",
    "MAX_PROMPT_LENGTH",
    "MIN_BOX_SIDE",
    "NothingHeld",
    "Outcome",
    "PhotoStatus",
    "PruneReport",
    "SourceUnavailable",
    "ThemeError",
    "ThemeRunConflict",
    "ThemeRunError",
    "accept_held",
    "accepts_prompts",
    "activate",
    "active_variants_prefetch",
    "active_theme",
    "add_photo",
    "allow_processing",
    "background_image",
    "base_cutout",
    "cached_cutout",
    "cancel_theme_run",
    "check_corrections",
    "clamp_box",
    "corrected_cutout",
    "cut_out_and_show",
    "cut_out_only",
    "cutout_spec",
    "display_url",
    "display_urls",
    "editor_state",
    "ensure_cutout",
    "ensure_cutout_image",
    "ensure_variant",
    "finish_theme_run",
    "fetch_public_image",
    "import_photo_from_url",
    "install_presets",
    "is_doubtful",
    "latest_jobs",
    "load_cutout",
    "load_source",
    "mark_queued",
    "packed_name",
    "photo_size",
    "photo_status",
    "photo_statuses",
    "preset_theme",
    "preview_corrections",
    "preview_images",
    "process_queued_photo",
    "process_again",
    "prompts_for",
    "prune",
    "queue_photo",
    "render_again",
    "render_and_show",
    "render_preview",
    "reprocess_product",
    "remember_prompt",
    "reprompt",
    "reprompt_photo",
    "request_corrections",
    "results_dir",
    "revert_image",
    "revert_product",
    "run_corrections",
    "run_seller_job",
    "run_theme_batch",
    "segmenter",
    "set_photo_state",
    "set_product_theme",
    "show_or_hold",
    "show_result",
    "show_variant",
    "source_checksum",
    "spec_hash",
    "start_theme_run",
    "state_of",
    "status_related",
    "subject_of_photo",
    "theme_fingerprint",
    "theme_for",
    "variant_key",
    "write_file",
]
