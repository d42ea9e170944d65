#!/usr/bin/env python3
"""Real conda packages for tests and benchmarks, and rattler's own index of them.

  conda_packages.py make OUT --count N [--size BYTES | --min-size A --max-size B] [--seed S]
                         [--layout cph|rattler|zip64|comment|deflate|mixed] [--formats both|conda|tar.bz2]
                         [--variety] [--big-info BYTES]
      Writes N packages into OUT/<subdir>/ and prints a JSON manifest (one object per package:
      path, format, layout, index, run_exports) on stdout.
      .tar.bz2: info/ first (sorted), then the payload, as rattler and conda-build write them.
      .conda: a stored zip of metadata.json, pkg-*.tar.zst, info-*.tar.zst (info last):
        cph      Python zipfile with force_zip64 members, as conda-package-handling 2 writes them
                 (zip64 extra in the local headers only), pax tar headers;
        rattler  byte for byte the layout of rattler's writer (zip crate 8, large_file(true):
                 sizes 0xFFFFFFFF with zip64 extra fields in local and central headers), GNU tars;
        zip64    rattler's layout plus a zip64 end record and locator;
        comment  cph with a 1000-byte archive comment;
        deflate  cph with deflated members (not a valid .conda);
        mixed    cycles through cph, rattler, zip64 and comment.
      The payload is incompressible (random bytes from the seed), `--size` bytes per package.
  conda_packages.py index CHANNEL
      Runs py-rattler's local indexer (rattler.index.index_fs) on CHANNEL (no zst, no shards).

Needs python with zstandard (and py-rattler for `index`): scripts/install-servers.sh py-rattler.
"""
import argparse
import asyncio
import binascii
import io
import json
import os
import random
import struct
import sys
import tarfile
import zipfile

ZIP_TIME, ZIP_DATE = 0, (2023 - 1980) << 9 | 1 << 5 | 1  # 2023-01-01 00:00:00, rattler's default


def index_for(i, variety):
    name = f"pkg{i:05d}"
    index = {"name": name, "version": f"1.{i}.0", "build": f"h{i:04x}_0", "build_number": 0,
             "depends": [], "license": "MIT", "timestamp": 1700000000 + i}
    kind = i % 7 if variety else 3
    if kind == 0:
        index.update(noarch="python", subdir="noarch", depends=["python >=3.8"], build=f"pyh{i:04x}_0")
    elif kind == 1:
        index.update(noarch="generic", subdir="noarch")
    elif kind == 2:
        index.update(noarch=True, subdir="noarch")
    else:
        index.update(subdir="linux-64", arch="x86_64", platform="linux", depends=["libc >=2.17", f"dep{i % 3}"])
    if variety:
        if i % 2:
            index["timestamp"] = 1700000000123 + i
        if i % 4 == 1:
            index["track_features"] = "feat_a,feat_b"
        if i % 4 == 3:
            index["track_features"] = ["feat_c"]
        if i % 3 == 1:
            index["constrains"] = [f"other{i} <2"]
        if i % 5 == 2:
            index.update(features="ft1", license_family="BSD", build_number=3)
        if i % 7 == 5:
            del index["subdir"]  # rattler writes "unknown"
        if i % 6 == 4:
            index["python_site_packages_path"] = "lib/python3.12/site-packages"
            del index["license"]
        if i % 8 == 6:
            del index["timestamp"]
    return index


def run_exports_for(i, variety):
    if not variety or i % 3 != 0:
        return None
    return {"weak": [f"pkg{i:05d} >=1.{i}"], "strong": [], "strong_constrains": [f"x{i} <9"]}


def info_files(index, run_exports, big_info, rng):
    stem = f"{index['name']}-{index['version']}-{index['build']}"
    files = {
        "info/about.json": json.dumps({"summary": f"test package {stem}", "license": index.get("license")}),
        "info/index.json": json.dumps(index, indent=2, sort_keys=True),
        "info/paths.json": json.dumps({"paths": [], "paths_version": 1}),
        "info/files": "lib/payload.bin\n",
        # Longer than the 100 bytes of a tar name: GNU long names or pax headers.
        "info/test/" + "a-rather-long-directory-name/" * 4 + "run_test.sh": "echo ok\n",
    }
    if run_exports is not None:
        files["info/run_exports.json"] = json.dumps(run_exports)
    if big_info:
        files["info/test/blob.bin"] = rng.randbytes(big_info)
    return stem, dict(sorted(files.items()))


def tar_bytes(files, fmt):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        for path, data in files.items():
            data = data.encode() if isinstance(data, str) else data
            ti = tarfile.TarInfo(path)
            ti.size, ti.mtime, ti.mode = len(data), 1700000000, 0o644
            tar.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def write_tar_bz2(path, info, payload, fmt):
    import bz2
    files = dict(info)
    files["lib/payload.bin"] = payload
    with open(path, "wb") as f:
        f.write(bz2.compress(tar_bytes(files, fmt), 9))


def zip_rattler(path, members, zip64_end):
    """The zip crate 8 layout with large_file(true), stored, as rattler writes .conda files."""
    out, central = bytearray(), bytearray()
    for name, data in members:
        name_b, crc, offset = name.encode(), binascii.crc32(data), len(out)
        extra = struct.pack("<HHQQ", 1, 16, len(data), len(data))
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, ZIP_TIME, ZIP_DATE, crc,
                           0xFFFFFFFF, 0xFFFFFFFF, len(name_b), len(extra)) + name_b + extra + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x032D, 45, 0, 0, ZIP_TIME, ZIP_DATE, crc,
                               0xFFFFFFFF, 0xFFFFFFFF, len(name_b), len(extra), 0, 0, 0, 0o100644 << 16,
                               offset) + name_b + extra
    cd_offset = len(out)
    out += central
    if zip64_end:
        rec_offset = len(out)
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 0x032D, 45, 0, 0, len(members), len(members),
                           len(central), cd_offset)
        out += struct.pack("<IIQI", 0x07064B50, 0, rec_offset, 1)
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    else:
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), cd_offset, 0)
    with open(path, "wb") as f:
        f.write(out)


def write_conda(path, stem, info, payload, layout):
    import zstandard
    pkg_tar = tar_bytes({"lib/payload.bin": payload}, tarfile.GNU_FORMAT if layout in ("rattler", "zip64") else tarfile.PAX_FORMAT)
    info_tar = tar_bytes(info, tarfile.GNU_FORMAT if layout in ("rattler", "zip64") else tarfile.PAX_FORMAT)
    members = [("metadata.json", json.dumps({"conda_pkg_format_version": 2}).encode()),
               (f"pkg-{stem}.tar.zst", zstandard.ZstdCompressor(level=3).compress(pkg_tar)),
               (f"info-{stem}.tar.zst", zstandard.ZstdCompressor(level=19).compress(info_tar))]
    if layout in ("rattler", "zip64"):
        zip_rattler(path, members, layout == "zip64")
        return
    method = zipfile.ZIP_DEFLATED if layout == "deflate" else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", compression=method) as z:
        z.writestr(members[0][0], members[0][1])
        for name, data in members[1:]:
            with z.open(name, "w", force_zip64=True) as m:
                m.write(data)
        if layout == "comment":
            z.comment = b"c" * 1000


def make(args):
    rng = random.Random(args.seed)
    layouts = ["cph", "rattler", "zip64", "comment"]
    manifest = []
    for i in range(args.count):
        index = index_for(i, args.variety)
        run_exports = run_exports_for(i, args.variety)
        stem, info = info_files(index, run_exports, args.big_info, rng)
        size = args.size if args.size is not None else rng.randint(args.min_size, args.max_size)
        payload = rng.randbytes(size)
        fmt = {"both": "conda" if i % 2 == 0 else "tar.bz2", "conda": "conda", "tar.bz2": "tar.bz2"}[args.formats]
        subdir = index.get("subdir", "linux-64")
        os.makedirs(os.path.join(args.out, subdir), exist_ok=True)
        path = os.path.join(args.out, subdir, f"{stem}.{fmt}")
        layout = layouts[i // 2 % len(layouts)] if args.layout == "mixed" else args.layout
        if fmt == "conda":
            write_conda(path, stem, info, payload, layout)
        else:
            layout = "gnu" if layout in ("rattler", "zip64") else "pax"
            write_tar_bz2(path, info, payload, tarfile.GNU_FORMAT if layout == "gnu" else tarfile.PAX_FORMAT)
        manifest.append({"path": path, "format": fmt, "layout": layout, "index": index, "run_exports": run_exports})
    for subdir in ("noarch",):
        os.makedirs(os.path.join(args.out, subdir), exist_ok=True)
    json.dump(manifest, sys.stdout)


def index(args):
    from rattler.index import index_fs
    asyncio.run(index_fs(args.channel, write_zst=False, write_shards=False, force=True))
    # py-rattler 0.28 sometimes crashes in interpreter shutdown after the work is done
    # (research/peer-rattler.md): leave without it.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("out")
    m.add_argument("--count", type=int, required=True)
    m.add_argument("--size", type=int)
    m.add_argument("--min-size", type=int, default=100_000)
    m.add_argument("--max-size", type=int, default=2_000_000)
    m.add_argument("--seed", type=int, default=1)
    m.add_argument("--layout", default="mixed", choices=["cph", "rattler", "zip64", "comment", "deflate", "mixed"])
    m.add_argument("--formats", default="both", choices=["both", "conda", "tar.bz2"])
    m.add_argument("--variety", action="store_true")
    m.add_argument("--big-info", type=int, default=0)
    i = sub.add_parser("index")
    i.add_argument("channel")
    args = p.parse_args()
    make(args) if args.cmd == "make" else index(args)


if __name__ == "__main__":
    main()
