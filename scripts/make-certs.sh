#!/usr/bin/env bash
# Makes a private CA and one certificate per name, signed by it, for mutual
# TLS between Stockwire nodes and stockctl (docs/CONFIG.md, "TLS"):
#
#   scripts/make-certs.sh [--force] DIR NAME...
#   scripts/make-certs.sh data/tls node1 node2 node3 stockctl
#
# writes DIR/ca.pem (+ ca.key, keep it offline in production) and, for each
# NAME, DIR/NAME.pem and DIR/NAME.key (P-256 keys, SHA-256 signatures,
# CN=NAME). An existing CA is reused, so certificates added later join the
# same cluster; --force makes a new CA and new certificates. Keys are
# written readable by their owner only.
set -euo pipefail

force=0
if [[ "${1:-}" == "--force" ]]; then
  force=1
  shift
fi
if [[ $# -lt 2 ]]; then
  echo "usage: $0 [--force] DIR NAME..." >&2
  exit 2
fi
command -v openssl >/dev/null || {
  echo "$0: openssl is not installed (apt-get install openssl)" >&2
  exit 1
}

dir=$1
shift
ca_days=3650  # the CA: ten years
cert_days=825 # each certificate: the longest browsers accept
mkdir -p "$dir"
umask 077

if [[ $force -eq 1 || ! -s "$dir/ca.pem" || ! -s "$dir/ca.key" ]]; then
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -sha256 -days "$ca_days" -subj "/CN=Stockwire cluster CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
  echo "made CA $dir/ca.pem"
fi

for name in "$@"; do
  if [[ ! "$name" =~ ^[A-Za-z0-9._-]+$ ]]; then
    echo "$0: '$name': names may only contain [A-Za-z0-9._-]" >&2
    exit 2
  fi
  if [[ $force -eq 0 && -s "$dir/$name.pem" && -s "$dir/$name.key" ]]; then
    continue
  fi
  ext=$(mktemp)
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:%s,DNS:localhost,IP:127.0.0.1\n' \
    "$name" >"$ext"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=$name" -keyout "$dir/$name.key" -out "$dir/$name.csr" 2>/dev/null
  openssl x509 -req -sha256 -days "$cert_days" -in "$dir/$name.csr" \
    -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
    -extfile "$ext" -out "$dir/$name.pem" 2>/dev/null
  rm -f "$dir/$name.csr" "$ext"
  echo "made $dir/$name.pem"
done
chmod 644 "$dir/ca.pem" "$dir"/*.pem
