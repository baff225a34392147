"""Where the image's and Cloud Storage's paths are here: gs:// under a local folder, /pipeline the checkout."""

import re
from dataclasses import dataclass
from pathlib import Path

GS = "gs://"


@dataclass(frozen=True)
class Places:
    """gs://<bucket>/<path> is <gcs_root>/<bucket>/<path>; the image's code root (/pipeline) is the checkout.

    TensorFlow's own GCS filesystem has Google's endpoint built in (no emulator setting), and the Trainer,
    Transform and Evaluator write through it, so Cloud Storage is a folder here rather than an emulator.
    """

    gcs_root: Path
    code_root: str
    checkout: Path

    def local(self, uri: str) -> str:
        """The local path of a gs:// URI or a path in the image; anything else unchanged."""
        if uri.startswith(GS):
            return str(self.gcs_root / uri[len(GS) :])
        if uri == self.code_root or uri.startswith(self.code_root.rstrip("/") + "/"):
            return str(self.checkout) + uri[len(self.code_root.rstrip("/")) :]
        return uri

    def remote(self, path: str) -> str:
        """The gs:// URI of a local path under gcs_root (what Vertex AI would record); others unchanged."""
        root = str(self.gcs_root).rstrip("/") + "/"
        return GS + path[len(root) :] if path.startswith(root) else path

    def localize_text(self, text: str) -> str:
        """Every gs:// URI and image path in a JSON text (nested JSON strings too) made local."""
        text = text.replace(GS, str(self.gcs_root).rstrip("/") + "/")
        code_root = re.escape(self.code_root.rstrip("/"))
        return re.sub(rf'(?<=")({code_root})(?=[/"\\])', str(self.checkout), text)
