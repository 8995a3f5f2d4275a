"""Upload a published folder to the Hugging Face Hub (``HfApi.create_repo`` + ``HfApi.upload_folder``).

Only ``glot500 publish --push REPO_ID`` calls this: without ``--push`` nothing leaves the machine. The token is the
one ``huggingface-cli login`` stored or ``$HF_TOKEN`` (huggingface_hub's own lookup); none is read here.
"""

from __future__ import annotations

import logging
from pathlib import Path

from glot500.core.errors import InputError

logger = logging.getLogger(__name__)


def push_folder(folder: Path, repo_id: str, *, private: bool = False, commit_message: str | None = None) -> str:
    """Create ``repo_id`` (a model repository; kept if it exists) and upload ``folder`` to it; returns its URL.

    Raises:
        InputError: the Hub refused (no token, no rights, offline); the message says what it answered.
    """
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    api = HfApi()
    try:
        url = api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True)
        api.upload_folder(
            repo_id=repo_id,
            repo_type="model",
            folder_path=str(folder),
            commit_message=commit_message or "Upload model published with glot500",
        )
    except OfflineModeIsEnabled:
        raise InputError(f"--push {repo_id}: HF_HUB_OFFLINE is set; unset it to upload") from None
    except (HfHubHTTPError, OSError, ValueError) as error:
        raise InputError(
            f"--push {repo_id}: the Hub refused the upload ({error}); log in with `huggingface-cli login` or set "
            "HF_TOKEN to a token with write access"
        ) from None
    logger.info("uploaded %s to %s", folder, url)
    return str(url)
