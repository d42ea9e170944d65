#!/usr/bin/env python3
"""One object transfer with one Python S3 SDK, for benches/transfer.sh.

    xfer.py minio|crt get|put ENDPOINT BUCKET KEY FILE

ENDPOINT is http://127.0.0.1:PORT (path style, plain http). Credentials come from
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, the region from AWS_REGION (default us-east-1).
Only the SDK asked for is imported, so the process's peak RSS is that SDK's.
Exits non-zero (with the error on stderr) if the transfer fails.
"""
import os
import sys
from urllib.parse import urlsplit

MIB = 1024 * 1024


def minio_transfer(direction, endpoint, bucket, key, path, ak, sk, region):
    from minio import Minio

    u = urlsplit(endpoint)
    client = Minio(u.netloc, access_key=ak, secret_key=sk, secure=(u.scheme == "https"), region=region)
    if direction == "get":
        client.fget_object(bucket, key, path)
    else:
        client.fput_object(bucket, key, path)


def crt_transfer(direction, endpoint, bucket, key, path, ak, sk, region):
    # The settings AWS CLI v2 uses by default: 10 Gbps target, 8 MiB parts, 8 MiB multipart threshold.
    from awscrt.auth import AwsCredentialsProvider
    from awscrt.http import HttpHeaders, HttpRequest
    from awscrt.io import ClientBootstrap, DefaultHostResolver, EventLoopGroup
    from awscrt.s3 import S3Client, S3RequestTlsMode, S3RequestType, create_default_s3_signing_config

    u = urlsplit(endpoint)
    if u.scheme != "http":
        raise SystemExit("crt driver: only http:// endpoints are supported here")
    elg = EventLoopGroup()
    bootstrap = ClientBootstrap(elg, DefaultHostResolver(elg))
    creds = AwsCredentialsProvider.new_static(ak, sk)
    client = S3Client(
        bootstrap=bootstrap,
        region=region,
        tls_mode=S3RequestTlsMode.DISABLED,
        signing_config=create_default_s3_signing_config(region=region, credential_provider=creds),
        part_size=8 * MIB,
        multipart_upload_threshold=8 * MIB,
        throughput_target_gbps=10.0,
    )
    headers = HttpHeaders([("Host", u.netloc)])
    path_part = f"/{bucket}/{key}"
    if direction == "get":
        req = HttpRequest("GET", path_part, headers)
        s3req = client.make_request(type=S3RequestType.GET_OBJECT, request=req, recv_filepath=path)
    else:
        headers.add("Content-Length", str(os.path.getsize(path)))
        headers.add("Content-Type", "application/octet-stream")
        req = HttpRequest("PUT", path_part, headers)
        s3req = client.make_request(type=S3RequestType.PUT_OBJECT, request=req, send_filepath=path)
    s3req.finished_future.result()


def main(argv):
    if len(argv) != 6 or argv[0] not in ("minio", "crt") or argv[1] not in ("get", "put"):
        print(__doc__, file=sys.stderr)
        return 2
    sdk, direction, endpoint, bucket, key, path = argv
    ak = os.environ["AWS_ACCESS_KEY_ID"]
    sk = os.environ["AWS_SECRET_ACCESS_KEY"]
    region = os.environ.get("AWS_REGION", "us-east-1")
    fn = minio_transfer if sdk == "minio" else crt_transfer
    fn(direction, endpoint.rstrip("/"), bucket, key, path, ak, sk, region)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
