"""Sign a model directory with model_signing's Python API in the serializations and hashes its
CLI does not expose: files with blake2b and blake3, shards (a small shard size, so files have
several shards) with sha256 and blake2b. Usage: model_signing_variants.py KEY MODEL_DIR OUT_DIR"""
import pathlib
import sys

from model_signing import hashing, signing

key, model, out = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
variants = {
    "files-blake2b": hashing.Config().use_file_serialization(hashing_algorithm="blake2"),
    "files-blake3": hashing.Config().use_file_serialization(hashing_algorithm="blake3"),
    "shards-sha256": hashing.Config().use_shard_serialization(hashing_algorithm="sha256", shard_size=8),
    "shards-blake2b": hashing.Config().use_shard_serialization(hashing_algorithm="blake2", shard_size=8),
}
for name, config in variants.items():
    signer = signing.Config().use_elliptic_key_signer(private_key=key)
    signer.set_hashing_config(config).sign(model, out / f"{name}.sig")
