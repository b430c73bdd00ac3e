"""A sentence-embedding server for a BERT-style model directory, as a model server loads one.

It reads what `ai-interop unpack` wrote (Hugging Face / sentence-transformers layout):
`config.json`, `tokenizer.json`, `model.safetensors`, `modules.json`, `1_Pooling/config.json`
and `sentence_bert_config.json`, then runs the BERT encoder in numpy (no torch: the image
stays small and builds offline) with the pooling and normalisation the directory names.

    POST /v1/embeddings  {"input": "text" | ["text", ...]}
      -> {"object": "list", "model": ..., "data": [{"index": i, "embedding": [...]}, ...]}
    GET  /healthz        200 once the model is loaded (readiness)

The model directory: the first argument, else MODEL_DIR (default /models/current).
Environment: PORT (8080), HOST (0.0.0.0).
"""

import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

MAX_BODY = 1 << 20  # one request body; a larger one is refused, not read
MAX_INPUTS = 64


def erf(x):
    # Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): numpy has no erf, and exact GELU needs it.
    s = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return s * (1.0 - poly * np.exp(-a * a))


def gelu(x):
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


class Model:
    def __init__(self, root):
        def read_json(name, default=None):
            path = os.path.join(root, name)
            if default is not None and not os.path.exists(path):
                return default
            with open(path, encoding="utf-8") as f:
                return json.load(f)

        self.config = read_json("config.json")
        if self.config.get("model_type") != "bert":
            raise SystemExit(f"{root}: model_type {self.config.get('model_type')!r}, not bert")
        self.name = self.config.get("_name_or_path", os.path.basename(root))
        self.eps = self.config.get("layer_norm_eps", 1e-12)
        self.heads = self.config["num_attention_heads"]
        self.layers = self.config["num_hidden_layers"]
        self.w = {k.removeprefix("bert."): v for k, v in load_file(os.path.join(root, "model.safetensors")).items()}
        modules = read_json("modules.json", [])
        types = [m.get("type", "") for m in modules]
        pooling = read_json("1_Pooling/config.json", {"pooling_mode_mean_tokens": True})
        if not pooling.get("pooling_mode_mean_tokens") and not pooling.get("pooling_mode_cls_token"):
            raise SystemExit(f"{root}: only mean or CLS pooling is implemented")
        self.cls_pooling = bool(pooling.get("pooling_mode_cls_token"))
        self.normalize = any(t.endswith("Normalize") for t in types)
        max_len = read_json("sentence_bert_config.json", {}).get("max_seq_length", 512)
        self.tokenizer = Tokenizer.from_file(os.path.join(root, "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=min(max_len, self.config["max_position_embeddings"]))
        self.dimension = self.config["hidden_size"]

    def dense(self, x, name):
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def ln(self, x, name):
        return layer_norm(x, self.w[name + ".weight"], self.w[name + ".bias"], self.eps)

    def embed(self, texts):
        encodings = self.tokenizer.encode_batch(texts)
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), length), dtype=np.int64)
        types = np.zeros_like(ids)
        mask = np.zeros((len(texts), length), dtype=np.float32)
        for i, e in enumerate(encodings):
            ids[i, : len(e.ids)] = e.ids
            types[i, : len(e.ids)] = e.type_ids
            mask[i, : len(e.ids)] = e.attention_mask
        w = self.w
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][np.arange(length)][None]
            + w["embeddings.token_type_embeddings.weight"][types]
        )
        x = self.ln(x, "embeddings.LayerNorm")
        batch, hidden = len(texts), x.shape[-1]
        d = hidden // self.heads
        bias = (1.0 - mask)[:, None, None, :] * np.float32(-1e9)  # padding gets no attention

        def split(t):
            return t.reshape(batch, length, self.heads, d).transpose(0, 2, 1, 3)

        for n in range(self.layers):
            p = f"encoder.layer.{n}."
            q = split(self.dense(x, p + "attention.self.query"))
            k = split(self.dense(x, p + "attention.self.key"))
            v = split(self.dense(x, p + "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(d) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
            x = self.ln(x + self.dense(ctx, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            inner = gelu(self.dense(x, p + "intermediate.dense"))
            x = self.ln(x + self.dense(inner, p + "output.dense"), p + "output.LayerNorm")
        if self.cls_pooling:
            pooled = x[:, 0]
        else:
            pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        if self.normalize:
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return pooled


def handler(model):
    class Handler(BaseHTTPRequestHandler):
        def reply(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path == "/healthz":
                self.reply(200, {"model": model.name, "dimension": model.dimension})
            else:
                self.reply(404, {"error": "not found"})

        def do_POST(self):
            if self.path != "/v1/embeddings":
                return self.reply(404, {"error": "not found"})
            try:
                size = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                return self.reply(400, {"error": "bad Content-Length"})
            if size <= 0 or size > MAX_BODY:
                return self.reply(413 if size > MAX_BODY else 400, {"error": f"a body of 1..{MAX_BODY} bytes"})
            try:
                texts = json.loads(self.rfile.read(size)).get("input")
            except (ValueError, AttributeError):
                return self.reply(400, {"error": "a JSON object with an input"})
            if isinstance(texts, str):
                texts = [texts]
            if not texts or len(texts) > MAX_INPUTS or not all(isinstance(t, str) for t in texts):
                return self.reply(400, {"error": f"input: a string or 1..{MAX_INPUTS} strings"})
            vectors = model.embed(texts)
            self.reply(200, {
                "object": "list",
                "model": model.name,
                "data": [{"object": "embedding", "index": i, "embedding": v.tolist()} for i, v in enumerate(vectors)],
            })

        def log_message(self, fmt, *args):
            sys.stderr.write("embed_server: " + fmt % args + "\n")

    return Handler


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("MODEL_DIR", "/models/current")
    model = Model(root)
    host, port = os.environ.get("HOST", "0.0.0.0"), int(os.environ.get("PORT", "8080"))
    server = ThreadingHTTPServer((host, port), handler(model))
    # As PID 1 of a container, SIGTERM is ignored unless handled: stop at once when asked.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"embed_server: {model.name} from {root}, dimension {model.dimension}, on {host}:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
