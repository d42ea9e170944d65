#!/usr/bin/env bash
# Generates the test CA and the 127.0.0.1 server certificate it signs (valid 100 years), used by
# tests/settings_ca_bundle.rs. Run once; the outputs are committed.
set -euo pipefail
cd "$(dirname "$0")"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 36500 -subj "/CN=minis3 test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n' > ext.cnf
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 36500 -extfile ext.cnf 2>/dev/null
# PKCS#8, which rustls reads.
openssl pkcs8 -topk8 -nocrypt -in server.key -out server.key.p8 && mv server.key.p8 server.key
rm -f ca.key server.csr ext.cnf ca.srl
