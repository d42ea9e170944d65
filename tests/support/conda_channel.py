#!/usr/bin/env python3
"""A small channel of real conda packages (numpy, numpy-base, python, tzdata, six) for the
search/download tests and the demo, indexed by py-rattler's own indexer.

  conda_channel.py OUT [--zst] [--shards]
      Writes the packages (.conda and .tar.bz2, real info/index.json) into OUT/<subdir>/,
      runs rattler.index.index_fs on OUT (repodata.json; with --zst also repodata.json.zst,
      with --shards also the CEP-16 shard index and shards), and prints a JSON list of the
      packages (subdir, filename, name, version, build, build_number) on stdout.
"""
import argparse
import asyncio
import json
import os
import random
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conda_packages as cp  # noqa: E402

LINUX = {"subdir": "linux-64", "arch": "x86_64", "platform": "linux"}
PACKAGES = [
    # name, version, build, build_number, format, extra index fields
    ("numpy", "1.25.2", "py312_0", 0, "tar.bz2", dict(LINUX, depends=["python >=3.12,<3.13", "libc"])),
    ("numpy", "1.26.0", "py312_0", 0, "conda", dict(LINUX, depends=["python >=3.12,<3.13"])),
    ("numpy", "1.26.4", "py312_0", 0, "conda", dict(LINUX, depends=["python >=3.12,<3.13"])),
    ("numpy", "1.26.4", "py312_3", 3, "tar.bz2", dict(LINUX, depends=["python >=3.12,<3.13"])),
    ("numpy", "2.0.0", "py312_0", 0, "conda", dict(LINUX, depends=["python >=3.12,<3.13"])),
    ("numpy-base", "1.26.4", "py312_0", 0, "conda", dict(LINUX)),
    ("python", "3.11.9", "h0_0", 0, "conda", dict(LINUX, license="PSF-2.0")),
    ("python", "3.12.1", "h0_0", 0, "conda", dict(LINUX, license="PSF-2.0")),
    ("python", "3.12.4", "h0_0", 0, "tar.bz2", dict(LINUX, license="PSF-2.0")),
    ("tzdata", "2024a", "h0_0", 0, "conda", dict(subdir="noarch", noarch="generic")),
    ("six", "1.16.0", "pyh0_0", 0, "tar.bz2", dict(subdir="noarch", noarch="python", depends=["python"])),
]


def make(out):
    rng = random.Random(7)
    listed = []
    for i, (name, version, build, build_number, fmt, extra) in enumerate(PACKAGES):
        index = {"name": name, "version": version, "build": build, "build_number": build_number,
                 "depends": [], "license": "BSD-3-Clause", "timestamp": 1700000000 + i}
        index.update(extra)
        stem, info = cp.info_files(index, None, 0, rng)
        payload = rng.randbytes(2000 + 100 * i)
        subdir = index["subdir"]
        os.makedirs(os.path.join(out, subdir), exist_ok=True)
        path = os.path.join(out, subdir, f"{stem}.{fmt}")
        if fmt == "conda":
            cp.write_conda(path, stem, info, payload, "cph" if i % 2 else "rattler")
        else:
            cp.write_tar_bz2(path, info, payload, tarfile.PAX_FORMAT)
        listed.append({"subdir": subdir, "filename": f"{stem}.{fmt}", "name": name, "version": version,
                       "build": build, "build_number": build_number})
    return listed


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("--zst", action="store_true")
    p.add_argument("--shards", action="store_true")
    args = p.parse_args()
    listed = make(args.out)
    from rattler.index import index_fs
    asyncio.run(index_fs(args.out, write_zst=args.zst, write_shards=args.shards, force=True))
    json.dump(listed, sys.stdout)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # py-rattler 0.28 may crash in interpreter shutdown (research/peer-rattler.md)


if __name__ == "__main__":
    main()
