"""The one place where the ORM, storage and the pure imaging core meet.

Every function here is idempotent: rows are keyed by hashes of what shapes them (unique in the
database), files are written under a temporary name and moved into place, and a row points to
a file only once the file exists. One module per concern; callers use ``services.<name>``.
"""

import logging

from ..imaging import compose  # noqa: F401 - tests patch services.compose.render
from .corrections import (  # noqa: F401
    MAX_CLICKS,
    base_cutout,
    check_corrections,
    corrected_cutout,
    editor_state,
    preview_corrections,
    request_corrections,
    run_corrections,
)
from .cutouts import (  # noqa: F401
    _clear_hidden,
    _get_or_create,
    _png,
    cutout_spec,
    ensure_cutout,
    load_cutout,
    packed_name,
    prompts_for,
    segmenter,
    state_of,
)
from .files import (  # noqa: F401
    SourceUnavailable,
    _limits,
    flatten,
    load_source,
    photo_size,
    results_dir,
    source_checksum,
    spec_hash,
    write_file,
)
from .imports import (  # noqa: F401
    _IMPORT_EXTENSIONS,
    add_photo,
    import_photo_from_url,
)
from .jobs import (  # noqa: F401
    MAX_PROMPT_LENGTH,
    MIN_BOX_SIDE,
    InvalidRequest,
    _queue_job,
    accepts_prompts,
    clamp_box,
    latest_jobs,
    reprocess_product,
    reprompt,
    run_job,
)
from .processing import (  # noqa: F401
    Outcome,
    _mark,
    _show,
    mark_queued,
    process_image,
    render_image,
)
from .theme_runs import (  # noqa: F401
    ThemeRunError,
    _DbTimer,
    _finish_run,
    _flip,
    _leave_alone,
    _requeue_stragglers,
    _run_batch,
    _run_open,
    _store_images,
    _theme_photo,
    cached_cutout,
    cancel_theme_run,
    install_presets,
    preview_images,
    render_preview,
    run_theme_batch,
    set_product_theme,
    start_theme_run,
)
from .variants import (  # noqa: F401
    _background_image,
    _theme_fingerprint,
    activate,
    active_theme,
    display_url,
    display_urls,
    ensure_variant,
    preset_theme,
    revert_image,
    revert_product,
    theme_for,
    variant_key,
)

log = logging.getLogger("konigle_bg")
