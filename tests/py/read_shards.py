"""Reads a sharded subdir with python msgpack + zstandard and prints it as JSON.

Usage: python read_shards.py SUBDIR_DIR

Prints {"info": {...}, "shards": {name: {"packages": ..., "packages.conda": ...,
"removed": [...]}}} with bin values as hex, after checking that every shard file's
sha256 equals its index entry and that the file is stored under that name.
"""
import hashlib
import json
import os
import sys

import msgpack
import zstandard


def unzst(data):
    return zstandard.ZstdDecompressor().decompressobj().decompress(data)


def hexify(v):
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, dict):
        return {k: hexify(x) for k, x in v.items()}
    if isinstance(v, list):
        return [hexify(x) for x in v]
    return v


def main():
    subdir = sys.argv[1]
    with open(os.path.join(subdir, "repodata_shards.msgpack.zst"), "rb") as f:
        index = msgpack.unpackb(unzst(f.read()), raw=False)
    base = os.path.join(subdir, index["info"]["shards_base_url"])
    out = {"info": index["info"], "shards": {}}
    for name, digest in index["shards"].items():
        path = os.path.join(base, digest.hex() + ".msgpack.zst")
        with open(path, "rb") as f:
            data = f.read()
        if hashlib.sha256(data).digest() != digest:
            raise SystemExit("sha256 mismatch for " + name)
        out["shards"][name] = hexify(msgpack.unpackb(unzst(data), raw=False))
    json.dump(out, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
