#!/usr/bin/env python3
"""The packages of benches/index.sh: real conda packages as tests/support/conda_packages.py
makes them (same index.json, info/ files and .conda layouts; half .conda, half .tar.bz2;
incompressible payload), built fast enough for thousands of packages and gigabytes.

  index_gen.py OUT --count N --min-size A --max-size B [--seed S] [--start I] [--formats both|conda|tar.bz2]

bzip2 compresses random bytes at about 3 MB/s, so a .tar.bz2 is composed as a valid
single-stream bzip2 file from blocks: the first block (up to 899,000 bytes of tar: info/ first,
then the payload's start, as bzip2 -9 fills it) is compressed for each package; the blocks after
it are taken from a pool of compressed random chunks (899,000 bytes, and 64 shorter tail sizes),
shifted to the bit position they land at, and the stream CRC is combined from the block CRCs.
The payload is still incompressible and every byte of the file is part of one bzip2 stream
that every decoder reads; packages of the same size share payload blocks after the first.
Sizes are rounded to 4 KiB above the first block.
"""
import argparse
import bz2
import io
import os
import random
import sys
import tarfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "support"))
import conda_packages as cp  # noqa: E402

BLOCK = 899_000  # tar bytes per bzip2 block (level 9 holds 899,981 after RLE1)
EOS = 0x177245385090
TAIL_STEP = BLOCK // 64


def compressed_block(data):
    """(bits as int, bit count, block CRC) of the one block bzip2 -9 makes of `data`."""
    c = bz2.compress(data, 9)
    big, total = int.from_bytes(c, "big"), len(c) * 8
    for pad in range(8):
        eos = total - pad - 80
        if (big >> (total - eos - 48)) & ((1 << 48) - 1) == EOS:
            break
    else:
        raise ValueError("no end-of-stream marker")
    nbits = eos - 32
    bits = (big >> (total - eos)) & ((1 << nbits) - 1)
    crc = (bits >> (nbits - 80)) & 0xFFFFFFFF
    if (bits >> (nbits - 48)) != 0x314159265359:
        raise ValueError("not one block")
    return bits, nbits, crc


def compose(blocks):
    """A bzip2 stream (level 9) of the given compressed blocks."""
    acc, n, combined = int.from_bytes(b"BZh9", "big"), 32, 0
    for bits, nbits, crc in blocks:
        acc, n = (acc << nbits) | bits, n + nbits
        combined = (((combined << 1) | (combined >> 31)) & 0xFFFFFFFF) ^ crc
    acc, n = (acc << 48) | EOS, n + 48
    acc, n = (acc << 32) | combined, n + 32
    pad = -n % 8
    acc, n = acc << pad, n + pad
    return acc.to_bytes(n // 8, "big")


class Pool:
    """Random chunks and their compressed blocks, made once and reused."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.chunks = {}

    def get(self, size):
        if size not in self.chunks:
            data = self.rng.randbytes(size)
            self.chunks[size] = (data, compressed_block(data))
        return self.chunks[size]


def tar_bz2(path, info, size, rng, pool, fmt):
    """A .tar.bz2 of `info` and a lib/payload.bin, about `size` bytes in all."""
    head = io.BytesIO()
    tar = tarfile.open(fileobj=head, mode="w", format=fmt)
    for name, data in info.items():
        data = data.encode() if isinstance(data, str) else data
        ti = tarfile.TarInfo(name)
        ti.size, ti.mtime, ti.mode = len(data), 1700000000, 0o644
        tar.addfile(ti, io.BytesIO(data))
    # The entries without tarfile's end (two zero records and the record padding).
    end_of_entries = tar.offset
    tar.close()
    prefix = head.getvalue()[:end_of_entries]
    first_payload = max(0, min(size, BLOCK) - len(prefix) - 512)
    rest = max(0, size - BLOCK)
    full, tail = divmod(rest, BLOCK)
    tail = (tail // TAIL_STEP) * TAIL_STEP
    payload_len = first_payload + full * BLOCK + tail
    ti = tarfile.TarInfo("lib/payload.bin")
    ti.size, ti.mtime, ti.mode = payload_len, 1700000000, 0o644
    header = ti.tobuf(format=fmt)
    first = prefix + header + rng.randbytes(first_payload)
    blocks = [compressed_block(first)]
    pieces = [first]
    for _ in range(full):
        data, block = pool.get(BLOCK)
        blocks.append(block)
        pieces.append(data)
    if tail:
        data, block = pool.get(tail)
        blocks.append(block)
        pieces.append(data)
    # Tar end: pad the payload to 512, two zero records, pad to the 10240-byte record.
    written = len(first) + full * BLOCK + tail
    end = b"\0" * (-payload_len % 512) + b"\0" * 1024
    end += b"\0" * (-(written + len(end)) % 10240)
    blocks.append(compressed_block(end))
    with open(path, "wb") as f:
        f.write(compose(blocks))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--start", type=int, default=0)
    p.add_argument("--min-size", type=int, required=True)
    p.add_argument("--max-size", type=int, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--formats", default="both", choices=["both", "conda", "tar.bz2"])
    a = p.parse_args()
    layouts = ["cph", "rattler", "zip64", "comment"]
    pool = Pool(a.seed + 1000)
    for i in range(a.start, a.start + a.count):
        rng = random.Random(a.seed * 1_000_003 + i)
        index = cp.index_for(i, False)
        stem, info = cp.info_files(index, None, 0, rng)
        size = rng.randint(a.min_size, a.max_size)
        fmt = {"both": "conda" if i % 2 == 0 else "tar.bz2", "conda": "conda", "tar.bz2": "tar.bz2"}[a.formats]
        subdir = index.get("subdir", "linux-64")
        os.makedirs(os.path.join(a.out, subdir), exist_ok=True)
        path = os.path.join(a.out, subdir, f"{stem}.{fmt}")
        layout = layouts[i // 2 % len(layouts)]
        if fmt == "conda":
            cp.write_conda(path, stem, info, rng.randbytes(size), layout)
        else:
            tar_fmt = tarfile.GNU_FORMAT if layout in ("rattler", "zip64") else tarfile.PAX_FORMAT
            tar_bz2(path, info, size, rng, pool, tar_fmt)
    os.makedirs(os.path.join(a.out, "noarch"), exist_ok=True)


if __name__ == "__main__":
    main()
