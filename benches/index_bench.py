#!/usr/bin/env python3
"""The index benchmark of issue 15 (driven by benches/index.sh): `minis3 index s3` against
py-rattler's `rattler.index.index_s3`, side by side on one local s3s-fs, through a counting TCP
proxy on 127.0.0.1 (requests, bytes each way, and bytes by kind of object).

  index_bench.py --bin MINIS3 --servers DIR --work DIR --set NAME [--runs 3] [--rattler-runs 1]
                 [--skip-rattler]

WORK/NAME/pkgs holds the packages (benches/index_gen.py). The set is uploaded once with
`minis3 upload s3` (stored checksums) into bucket `with`; buckets `nosum` (the same objects
without x-amz-meta-package-*) and `ratt` (rattler's) are hard links of it on disk, so the three
cost no extra space. Cells, alternating tools:
  full:        the index outputs are removed, then a full index (minis3 on `with`, rattler on
               `ratt`, minis3 on `nosum`);
  incremental: one new package (1 MiB .conda) uploaded into each, then an index.
Prints one JSON object per cell and a summary table (medians).
"""
import argparse
import base64
import bz2
import glob
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time

KEY, SECRET, REGION = "bench", "benchsecret0123456789", "us-east-1"


# ---------------------------------------------------------------- counting proxy
class Counters:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with getattr(self, "lock", threading.Lock()):
            self.requests = 0
            self.up = 0
            self.down = 0
            self.by_kind = {}  # kind -> [requests, response bytes]

    def snapshot(self):
        with self.lock:
            return {"requests": self.requests, "bytes_up": self.up, "bytes_down": self.down,
                    "by_kind": {k: list(v) for k, v in self.by_kind.items()}}


def kind_of(path):
    p = path.split("?")[0]
    if p.endswith(".conda"):
        return "conda"
    if p.endswith(".tar.bz2"):
        return "tar.bz2"
    return "other"


def relay_requests(src, dst, counters, pending):
    """Client to server: forwards bytes, parsing request heads and skipping bodies."""
    buf, body_left = b"", 0
    try:
        while True:
            data = src.recv(1 << 20)
            if not data:
                break
            with counters.lock:
                counters.up += len(data)
            buf += data
            while True:
                if body_left:
                    take = min(body_left, len(buf))
                    body_left -= take
                    buf = buf[take:]
                    if body_left:
                        break
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    break
                head, buf = buf[:end].decode("latin-1"), buf[end + 4:]
                lines = head.split("\r\n")
                method, path = (lines[0].split(" ") + ["", ""])[:2]
                length = 0
                for line in lines[1:]:
                    k, _, v = line.partition(":")
                    if k.strip().lower() == "content-length":
                        length = int(v.strip())
                body_left = length
                pending.append((method, kind_of(path)))
                with counters.lock:
                    counters.requests += 1
            # Forwarded after its heads were noted, so that no answer comes before them.
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def relay_responses(src, dst, counters, pending):
    """Server to client: forwards bytes, attributing each response to its request's kind."""
    buf, state, body_left, after, kind = b"", "head", 0, "head", "other"

    def add(n):
        with counters.lock:
            counters.down += n
            counters.by_kind.setdefault(kind, [0, 0])[1] += n

    try:
        while True:
            data = src.recv(1 << 20)
            if not data:
                break
            dst.sendall(data)
            i = 0
            while i < len(data):
                if state == "body":
                    take = min(body_left, len(data) - i)
                    add(take)
                    body_left -= take
                    i += take
                    if body_left == 0:
                        state = after
                    continue
                buf += data[i:]
                data, i = b"", 0
                if state == "head":
                    end = buf.find(b"\r\n\r\n")
                    if end < 0:
                        break
                    head, data, buf = buf[:end].decode("latin-1"), buf[end + 4:], b""
                    lines = head.split("\r\n")
                    status = int(lines[0].split(" ")[1])
                    if status < 200:
                        # An interim answer (100 Continue): the request's answer is still to come.
                        method, kind = pending[0] if pending else ("GET", "other")
                    else:
                        method, kind = pending.pop(0) if pending else ("GET", "other")
                        with counters.lock:
                            counters.by_kind.setdefault(kind, [0, 0])[0] += 1
                    add(end + 4)
                    length, chunked = None, False
                    for line in lines[1:]:
                        k, _, v = line.partition(":")
                        k = k.strip().lower()
                        if k == "content-length":
                            length = int(v.strip())
                        elif k == "transfer-encoding" and "chunked" in v.lower():
                            chunked = True
                    if method == "HEAD" or status in (204, 304) or status < 200:
                        state = "head"
                    elif chunked:
                        state = "chunk"
                    elif length is None:
                        state, body_left, after = "body", float("inf"), "head"
                    elif length:
                        state, body_left, after = "body", length, "head"
                else:  # a chunk-size line
                    end = buf.find(b"\r\n")
                    if end < 0:
                        break
                    size = int(buf[:end].split(b";")[0].strip() or b"0", 16)
                    add(end + 2)
                    data, buf = buf[end + 2:], b""
                    # The chunk and its CRLF (the last chunk: the empty trailer line).
                    state, body_left, after = "body", size + 2, ("chunk" if size else "head")
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def start_proxy(upstream, counters):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(256)

    def serve():
        while True:
            c, _ = ls.accept()
            s = socket.create_connection(("127.0.0.1", upstream))
            for x in (c, s):
                x.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            pending = []
            threading.Thread(target=relay_requests, args=(c, s, counters, pending), daemon=True).start()
            threading.Thread(target=relay_responses, args=(s, c, counters, pending), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return ls.getsockname()[1]


# ---------------------------------------------------------------- s3s-fs layout
def b64(s):
    return base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")


def sidecars(data, bucket):
    return glob.glob(os.path.join(data, f".bucket-{b64(bucket)}.object-*"))


def clone_bucket(data, src, dst, with_metadata):
    """dst: hard links of src's objects (and their ETags; user metadata if asked)."""
    shutil.rmtree(os.path.join(data, dst), ignore_errors=True)
    for f in sidecars(data, dst):
        os.remove(f)
    for root, _, files in os.walk(os.path.join(data, src)):
        rel = os.path.relpath(root, os.path.join(data, src))
        os.makedirs(os.path.join(data, dst, rel), exist_ok=True)
        for f in files:
            os.link(os.path.join(root, f), os.path.join(data, dst, rel, f))
    prefix = f".bucket-{b64(src)}.object-"
    for f in sidecars(data, src):
        name = os.path.basename(f)
        if name.endswith(".metadata.json") and not with_metadata:
            continue
        new = f".bucket-{b64(dst)}.object-" + name[len(prefix):]
        shutil.copyfile(f, os.path.join(data, new))


def clear_index(data, bucket):
    """Removes the index outputs of every subdir (files and their sidecars)."""
    root = os.path.join(data, bucket)
    keys = []
    for path in glob.glob(os.path.join(root, "chan", "*", "*")):
        name = os.path.basename(path)
        if name.endswith((".conda", ".tar.bz2")):
            continue
        if os.path.isdir(path):
            for r, _, files in os.walk(path):
                keys.extend(os.path.relpath(os.path.join(r, f), root) for f in files)
            shutil.rmtree(path)
        else:
            keys.append(os.path.relpath(path, root))
            os.remove(path)
    # Sidecars are `.bucket-B.object-K.*` in the data directory: one listing of it, not one
    # glob per key (a shard directory holds thousands of keys).
    wanted = {f".bucket-{b64(bucket)}.object-{b64(k)}." for k in keys}
    for entry in os.listdir(data):
        cut = entry.find(".", entry.find(".object-") + 1)
        if entry.startswith(".bucket-") and cut > 0 and entry[: cut + 1] in wanted:
            os.remove(os.path.join(data, entry))


def drop_metadata(data, bucket, key):
    for s in glob.glob(os.path.join(data, f".bucket-{b64(bucket)}.object-{b64(key)}.metadata.json")):
        os.remove(s)


# ---------------------------------------------------------------- runs
def run(cmd, env, counters):
    counters.reset()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    time.sleep(0.2)  # the proxy threads finish counting the last answers
    snap = counters.snapshot()
    if p.returncode != 0:
        sys.stderr.write(f"FAILED ({p.returncode}): {' '.join(cmd[:4])}\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}\n")
    snap.update(wall=round(wall, 3), cpu=round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 3),
                rc=p.returncode, out=p.stdout.strip().splitlines()[-1:] if p.stdout.strip() else [])
    return snap


def find_bits(data, magic, start_bit):
    """The first bit offset >= start_bit where the 48-bit `magic` starts in `data`, or None."""
    best = None
    for shift in range(8):
        # magic starting `shift` bits into a byte: its bytes 1..5 are whole when shift > 0.
        window = (magic << (8 - shift)) if shift else magic << 8
        pattern = window.to_bytes(7, "big")[1:6]
        lead = 1
        pos = max(0, start_bit // 8 - 1)
        while True:
            i = data.find(pattern, pos)
            if i < 0 or (best is not None and (i - lead) * 8 + shift >= best):
                break
            bit = (i - lead) * 8 + shift
            if bit >= start_bit:
                chunk = int.from_bytes(data[bit // 8: bit // 8 + 8].ljust(8, b"\0"), "big")
                if (chunk >> (64 - 48 - bit % 8)) & ((1 << 48) - 1) == magic:
                    best = bit
                    break
            pos = i + 1
    return best


def prefix_bytes(path):
    """Compressed bytes a .tar.bz2 must be read to before its info/ is decoded: bzip2 yields
    nothing before a block is complete, and info/ is in the first block, which ends where the
    next block's (or the stream end's) magic starts."""
    with open(path, "rb") as f:
        data = f.read(1_100_000)
    ends = [b for b in (find_bits(data, 0x314159265359, 32 + 48), find_bits(data, 0x177245385090, 32 + 48)) if b]
    return (min(ends) + 7) // 8 if ends else os.path.getsize(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--servers", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--set", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rattler-runs", type=int, default=1)
    ap.add_argument("--full-runs", type=int, default=None, help="full index runs (default: --runs)")
    ap.add_argument("--nosum-runs", type=int, default=1, help="full index without stored checksums (reads everything)")
    ap.add_argument("--skip-rattler", action="store_true")
    a = ap.parse_args()
    work = os.path.join(a.work, a.set)
    pkgs = os.path.join(work, "pkgs")
    data = os.path.join(work, "data")
    py = os.path.join(a.servers, "pyvenv", "bin", "python")
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(os.path.join(data, "with"))
    with socket.socket() as probe:  # a port nothing listens on (a random one collided with clients' ports)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([os.path.join(a.servers, "bin", "s3s-fs"), "--host", "127.0.0.1", "--port", str(port),
                               "--access-key", KEY, "--secret-key", SECRET, data],
                              stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "s3s.log"), "w"))
    try:
        # s3s-fs takes longer to start after a large data directory was removed: wait for it.
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    sys.exit(f"s3s-fs did not start on port {port} (see {os.path.join(work, 's3s.log')})")
                time.sleep(0.1)
        counters = Counters()
        proxy = start_proxy(port, counters)
        endpoint = f"http://127.0.0.1:{proxy}"
        home = os.path.join(work, "home")
        os.makedirs(home, exist_ok=True)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "AWS_EC2_METADATA_DISABLED": "true",
               "PIXI_NO_CONFIG": "true", "AWS_CONFIG_FILE": os.path.join(home, "none"),
               "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "none")}
        s3 = ["--endpoint-url", endpoint, "--region", REGION, "--access-key-id", KEY, "--secret-access-key", SECRET,
              "--addressing-style", "path"]
        files = sorted(glob.glob(os.path.join(pkgs, "*", "*")))
        total = sum(os.path.getsize(f) for f in files)
        conda_bytes = sum(os.path.getsize(f) for f in files if f.endswith(".conda"))
        bz2_files = [f for f in files if f.endswith(".tar.bz2")]
        bz2_bytes = sum(os.path.getsize(f) for f in bz2_files)
        cache = os.path.join(work, "prefix.json")
        prefixes = json.load(open(cache)) if os.path.exists(cache) else {}
        prefixes = {os.path.basename(f): prefixes.get(os.path.basename(f)) or prefix_bytes(f) for f in bz2_files}
        json.dump(prefixes, open(cache, "w"))
        info = {"set": a.set, "packages": len(files), "bytes": total, "conda_bytes": conda_bytes,
                "tar_bz2_bytes": bz2_bytes, "tar_bz2_info_prefix_bytes": sum(prefixes.values())}
        print(json.dumps({"channel": info}), flush=True)

        up = run([a.bin, "upload", "s3", "-c", "s3://with/chan", *s3, "--max-parallel", "4", *files], env, counters)
        print(json.dumps({"cell": "upload", "tool": "minis3", **up}), flush=True)
        clone_bucket(data, "with", "nosum", with_metadata=False)
        clone_bucket(data, "with", "ratt", with_metadata=True)

        ridx = ("import asyncio,sys,os\nfrom rattler.index import index_s3, S3Credentials\n"
                f"asyncio.run(index_s3(sys.argv[1], credentials=S3Credentials('{endpoint}','{REGION}','{KEY}',"
                f"'{SECRET}',addressing_style='path')))\nsys.stdout.flush(); os._exit(0)")
        minis3 = lambda b: [a.bin, "index", "s3", f"s3://{b}/chan", *s3]
        rattler = lambda b: [py, "-c", ridx, f"s3://{b}/chan"]
        results = []

        def cell(name, tool, bucket, cmd):
            r = run(cmd, env, counters)
            r.update(cell=name, tool=tool, bucket=bucket)
            results.append(r)
            print(json.dumps(r), flush=True)

        for i in range(a.runs if a.full_runs is None else a.full_runs):
            with_rattler = not a.skip_rattler and i < a.rattler_runs
            for b in ("with",) + (("nosum",) if i < a.nosum_runs else ()) + (("ratt",) if with_rattler else ()):
                clear_index(data, b)
            cell("full", "minis3", "with", minis3("with"))
            if with_rattler:
                cell("full", "rattler", "ratt", rattler("ratt"))
            if i < a.nosum_runs:
                cell("full", "minis3", "nosum", minis3("nosum"))
        extra_dir = os.path.join(work, "extra")
        shutil.rmtree(extra_dir, ignore_errors=True)
        gen = os.path.join(os.path.dirname(os.path.abspath(__file__)), "index_gen.py")
        subprocess.run([py, gen, extra_dir, "--count", str(a.runs), "--start", "90000", "--min-size", "1048576",
                        "--max-size", "1048576", "--formats", "conda"], check=True)
        extras = sorted(glob.glob(os.path.join(extra_dir, "*", "*.conda")))
        for i, extra in enumerate(extras):
            for b in ("with", "nosum", "ratt"):
                subprocess.run([a.bin, "upload", "s3", "-c", f"s3://{b}/chan", *s3, extra], env=env, check=True,
                               capture_output=True)
            sub = os.path.basename(os.path.dirname(extra))
            drop_metadata(data, "nosum", f"chan/{sub}/{os.path.basename(extra)}")
            cell("incremental", "minis3", "with", minis3("with"))
            if not a.skip_rattler:
                cell("incremental", "rattler", "ratt", rattler("ratt"))
            cell("incremental", "minis3", "nosum", minis3("nosum"))

        # Summary: medians per (cell, tool, bucket).
        print("\n| set | cell | tool | checksums | runs | wall s (median) | cpu s | requests | MB received | MB sent "
              "| .conda bytes / their size | .tar.bz2 bytes / info prefix |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        groups = {}
        for r in results:
            groups.setdefault((r["cell"], r["tool"], r["bucket"]), []).append(r)
        for (c, t, b), rs in groups.items():
            med = lambda k: statistics.median(x[k] for x in rs)
            kinds = lambda k: statistics.median(x["by_kind"].get(k, [0, 0])[1] for x in rs)
            conda = f"{kinds('conda') / conda_bytes * 100:.2f}%" if c == "full" else f"{kinds('conda'):.0f} B"
            tb = f"{kinds('tar.bz2') / max(1, info['tar_bz2_info_prefix_bytes']):.3f}x" if c == "full" else "-"
            checks = {"with": "stored", "nosum": "none", "ratt": "(not read)"}[b]
            print(f"| {a.set} | {c} | {t} | {checks} | {len(rs)} | {med('wall'):.2f} | {med('cpu'):.2f} | "
                  f"{med('requests'):.0f} | {med('bytes_down') / 1e6:.2f} | {med('bytes_up') / 1e6:.2f} | {conda} | {tb} |")
        print(f"\nchannel {a.set}: {info['packages']} packages, {total / 1e6:.1f} MB "
              f"({conda_bytes / 1e6:.1f} MB .conda, {bz2_bytes / 1e6:.1f} MB .tar.bz2, info prefixes "
              f"{info['tar_bz2_info_prefix_bytes'] / 1e6:.1f} MB)")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
