"""Builds a tiny conda channel of real packages and indexes it with py-rattler.

Usage: python mkchannel.py OUT_DIR [--no-index]

Writes OUT_DIR/{linux-64,noarch}/*.conda and *.tar.bz2 (real info/index.json, an
info/run_exports.json on some), then runs rattler.index.index_fs with shards and
.zst on, so OUT_DIR/SUBDIR holds repodata.json, repodata.json.zst,
repodata_shards.msgpack.zst and shards/. Deterministic apart from rattler's
indexed_timestamp and created_at.
"""
import asyncio
import io
import json
import os
import sys
import tarfile
import zipfile

import zstandard

PACKAGES = [
    # (subdir, ext, index.json fields, run_exports or None)
    ("linux-64", "conda", {
        "name": "alpha", "version": "1.2.3", "build": "h1234_0", "build_number": 0,
        "depends": ["libzlib >=1.2.13,<2.0a0", "python >=3.12,<3.13.0a0"],
        "constrains": ["beta >=2"], "license": "MIT", "license_family": "MIT",
        "timestamp": 1700000000123, "arch": "x86_64", "platform": "linux",
        "subdir": "linux-64",
    }, {"weak": ["alpha >=1.2.3,<1.3.0a0"], "strong": ["libalpha 1.*"]}),
    ("linux-64", "tar.bz2", {
        "name": "alpha", "version": "1.2.2", "build": "h1234_1", "build_number": 1,
        "depends": [], "license": "MIT", "timestamp": 1690000000,
        "arch": "x86_64", "platform": "linux", "subdir": "linux-64",
        "track_features": "featx featy", "features": "blas_mkl",
    }, {"weak": ["alpha"]}),
    ("linux-64", "conda", {
        "name": "python", "version": "3.12.1", "build": "h0_1_cpython", "build_number": 1,
        "depends": ["libzlib"], "license": "Python-2.0", "timestamp": 1701000000000,
        "arch": "x86_64", "platform": "linux", "subdir": "linux-64",
        "python_site_packages_path": "lib/python3.12/site-packages",
    }, {"noarch": ["python"], "weak_constrains": ["python_abi 3.12.* *_cp312"]}),
    ("linux-64", "conda", {
        "name": "gamma-utils", "version": "0.1.0.post1", "build": "0", "build_number": 0,
        "depends": ["alpha"], "subdir": "linux-64", "arch": "x86_64", "platform": "linux",
    }, None),
    ("noarch", "conda", {
        "name": "delta", "version": "2.0", "build": "pyhd8ed1ab_0", "build_number": 0,
        "depends": ["python >=3.9"], "license": "BSD-3-Clause", "license_family": "BSD",
        "noarch": "python", "subdir": "noarch", "timestamp": 1680000000000,
    }, None),
    ("noarch", "tar.bz2", {
        "name": "delta", "version": "1.9", "build": "pyhd8ed1ab_0", "build_number": 0,
        "depends": ["python"], "noarch": "generic", "subdir": "noarch",
        "timestamp": 1670000000,
    }, None),
    ("noarch", "conda", {
        "name": "epsilon", "version": "1!3.0rc1", "build": "unicode_\u00e9_0", "build_number": 7,
        "depends": ["delta >=1.9", "tab\tand/slash <2"], "noarch": "generic", "subdir": "noarch",
        "license": "LicenseRef-\u00fc\u00f1\u00ee", "timestamp": 1660000000000,
    }, {"strong_constrains": ["x <2"]}),
]


def tar_bytes(files, compress=None):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1600000000
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def package_files(index, run_exports):
    files = [("info/index.json", json.dumps(index, indent=2).encode())]
    if run_exports is not None:
        files.append(("info/run_exports.json", json.dumps(run_exports).encode()))
    files.append(("info/paths.json", b'{"paths": [], "paths_version": 1}'))
    payload = [("lib/%s.txt" % index["name"], ("payload of %s %s" % (index["name"], index["version"])).encode())]
    return files, payload


def write_conda(path, stem, index, run_exports):
    info, payload = package_files(index, run_exports)
    cctx = zstandard.ZstdCompressor(level=3)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("metadata.json", json.dumps({"conda_pkg_format_version": 2}))
        z.writestr("pkg-%s.tar.zst" % stem, cctx.compress(tar_bytes(payload)))
        z.writestr("info-%s.tar.zst" % stem, cctx.compress(tar_bytes(info)))


def write_tar_bz2(path, index, run_exports):
    info, payload = package_files(index, run_exports)
    with tarfile.open(path, "w:bz2") as tar:
        for name, data in info + payload:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mtime = 1600000000
            tar.addfile(ti, io.BytesIO(data))


def main():
    out = sys.argv[1]
    for subdir in ("linux-64", "noarch"):
        os.makedirs(os.path.join(out, subdir), exist_ok=True)
    for subdir, ext, index, run_exports in PACKAGES:
        stem = "%s-%s-%s" % (index["name"], index["version"], index["build"])
        path = os.path.join(out, subdir, "%s.%s" % (stem, ext))
        if ext == "conda":
            write_conda(path, stem, index, run_exports)
        else:
            write_tar_bz2(path, index, run_exports)
    if "--no-index" not in sys.argv:
        from rattler.index import index_fs
        asyncio.run(index_fs(out, write_zst=True, write_shards=True))
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
