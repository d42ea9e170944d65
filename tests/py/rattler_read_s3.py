"""Reads an s3:// channel with py-rattler's Gateway and prints every record it finds as JSON.

Usage: python rattler_read_s3.py ENDPOINT CHANNEL_URL SHARDED(0|1) CACHE_DIR NAME...

Credentials come from RATTLER_AUTH_FILE (keyed by the bucket); path style on ENDPOINT.
Prints {file_name: {"sha256": ..., "md5": ..., "size": ..., "subdir": ...}}.
"""
import asyncio
import json
import os
import sys
from urllib.parse import urlparse

import rattler
from rattler.networking import Client, S3Middleware, AuthenticationMiddleware
from rattler.networking.middleware import S3Config


async def main():
    endpoint, channel, sharded, cache = sys.argv[1:5]
    names = sys.argv[5:]
    bucket = urlparse(channel).netloc
    client = Client([AuthenticationMiddleware(), S3Middleware({bucket: S3Config(endpoint, "us-east-1", "path")})])
    config = rattler.SourceConfig(sharded_enabled=sharded == "1", cache_action="no-cache")
    gw = rattler.Gateway(cache_dir=cache, default_config=config, client=client)
    result = await gw.query([channel], ["linux-64", "noarch"], names, recursive=False)
    out = {}
    for group in result:
        for r in group:
            out[r.file_name] = {
                "sha256": r.sha256.hex() if r.sha256 else None,
                "md5": r.md5.hex() if r.md5 else None,
                "size": r.size,
                "subdir": r.subdir,
            }
    sys.stdout.write(json.dumps(out, sort_keys=True))
    sys.stdout.flush()


asyncio.run(main())
os._exit(0)
