"""Export the embedder's transformer to ONNX, for the app bundle (run by `build.spec`).

    .venv/bin/python scripts/export_onnx.py OUT_FILE [--model MODEL_DIR]

Needs torch, transformers and the `onnx` package (the `[build]` extra): the build machine's
install, not the app's. Writes the transformer of the model folder (default: the embedder
`models.locate.resolve_embedder()` finds, all-MiniLM-L6-v2) as token embeddings before pooling,
with the batch and sequence axes free, to OUT_FILE (`build.spec` puts it in its work dir and ships
it as `onnx/model.onnx` in the bundle's model folder; nothing is written to the repo or the
installed model package). Then it checks the export: `models.onnx_embedder.OnnxEmbedder` on it
against sentence-transformers on a few texts of different lengths (one past the 256-token limit);
a difference above `--tolerance` fails the export, so a bundle never ships an embedder that
disagrees with the index it searches.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CHECK_TEXTS = [
    "Reset the hub",
    "My hub keeps blinking red after the firmware update and the app can't find it.",
    "",
    "Error E-104: the sensor did not answer. " * 80,  # past the model's input limit: truncated
]


def export(model_dir: Path, out: Path) -> None:
    """The transformer of `model_dir` (token embeddings, before pooling) to `out`."""
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(model_dir, local_files_only=True, attn_implementation="eager").eval()

    class _Tokens(torch.nn.Module):  # keyword arguments: transformers 5's forward takes many more
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, ids: torch.Tensor, mask: torch.Tensor, types: torch.Tensor) -> torch.Tensor:
            return self.inner(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    # A padded example (second row shorter), so the trace keeps the mask's path general.
    ids = torch.ones((2, 16), dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    mask[1, 9:] = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with torch.no_grad(), warnings.catch_warnings():
        # The legacy exporter's deprecation notice, and the tracer's on transformers' mask code
        # (a Python bool that is False for every input without a KV cache): `check` covers both.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Tokens(model),
            (ids, mask, torch.zeros_like(ids)),
            str(tmp),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "seq"} for n in [*names, "last_hidden_state"]},
            opset_version=17,
            dynamo=False,  # the TorchScript exporter: needs `onnx`, not `onnxscript`
        )
    tmp.replace(out)


def check(model_dir: Path, onnx_file: Path, threads: int = 1) -> float:
    """Largest absolute difference between ONNX Runtime's and sentence-transformers' vectors."""
    import numpy as np

    from models.embedder import SentenceTransformerEmbedder
    from models.locate import ONNX_FILE, EmbedderSpec
    from models.onnx_embedder import OnnxEmbedder

    with tempfile.TemporaryDirectory() as tmp:
        # The model folder as the bundle will have it: its files plus onnx/model.onnx.
        folder = Path(tmp) / model_dir.name
        folder.mkdir()
        for item in model_dir.iterdir():
            (folder / item.name).symlink_to(item.resolve(), target_is_directory=item.is_dir())
        (folder / ONNX_FILE).parent.mkdir(exist_ok=True)
        (folder / ONNX_FILE).symlink_to(onnx_file.resolve())
        spec = EmbedderSpec(name=model_dir.name, path=folder)
        ours = OnnxEmbedder(spec, threads=threads).encode(CHECK_TEXTS)
        reference = SentenceTransformerEmbedder(spec, threads=threads).encode(CHECK_TEXTS)
    return float(np.abs(ours - reference).max())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the .onnx file to write")
    parser.add_argument("--model", type=Path, help="a sentence-transformers model folder (default: resolved)")
    parser.add_argument("--tolerance", type=float, default=1e-5)
    args = parser.parse_args(argv)

    from common.privacy import enforce_offline
    from models.locate import resolve_embedder

    enforce_offline()
    spec = resolve_embedder(args.model)
    model_dir = spec.path
    started = time.perf_counter()
    export(model_dir, args.out)
    diff = check(model_dir, args.out)
    size = args.out.stat().st_size / 1024 / 1024
    print(
        f"export_onnx: {spec.name} → {args.out} ({size:.0f} MB) in {time.perf_counter() - started:.0f} s; "
        f"largest difference from sentence-transformers {diff:.1e}"
    )
    if not diff <= args.tolerance:
        args.out.unlink(missing_ok=True)
        print(
            f"export_onnx: difference {diff:.1e} above {args.tolerance:.0e}: export removed", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
