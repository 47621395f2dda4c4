#!/usr/bin/env bash
# Charts and files benchmark: Kindling's node vs nginx (Debian) serving the same files statically over HTTPS with
# the same certificate, loopback only. Prints a markdown table.
#   helm pull of 50 charts (sequential, after helm repo add), against Kindling's chart repository and against
#     nginx serving index.yaml + the .tgz files;
#   1,000 small files (4 KiB): aws s3 cp --recursive from Kindling (10 parallel requests, aws-cli's default), and
#     the same 1,000 URLs fetched by curl with 10 parallel workers from nginx and from Kindling.
# Usage: bench/files/run.sh   (needs helm in PATH or tools/bin, nginx, aws, curl)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PATH="$root/tools/bin:$PATH"
work="$(mktemp -d /tmp/kindling-bench-files-XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for tool in helm nginx aws curl xargs; do command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }; done

charts=25081; files=25900; nginx_port=25999
"$root/kindling" node serve --data "$work/node" --address 127.0.0.1 --registry-port 25443 --charts-port $charts --files-port $files >"$work/node.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do grep -q "CA certificate for clients" "$work/node.log" 2>/dev/null && break; sleep 0.2; done
ca="$work/node/pki/ca.crt"; creds="$(cat "$work/node/admin-credentials")"
export HELM_CACHE_HOME="$work/helm/cache" HELM_CONFIG_HOME="$work/helm/config" HELM_DATA_HOME="$work/helm/data"

# 50 charts, uploaded to Kindling and laid out for nginx with helm repo index.
mkdir -p "$work/static/charts/charts" "$work/src"
(cd "$work/src" && helm create bench >/dev/null)
for i in $(seq 1 50); do
  sed -i "s/^name: .*/name: chart$i/" "$work/src/bench/Chart.yaml"
  helm package "$work/src/bench" --version "1.0.$i" -d "$work/static/charts/charts" >/dev/null
  curl -sf --cacert "$ca" -u "$creds" --data-binary "@$work/static/charts/charts/chart$i-1.0.$i.tgz" "https://127.0.0.1:$charts/api/charts" >/dev/null
done
helm repo index "$work/static/charts" --url "https://127.0.0.1:$nginx_port/charts" >/dev/null

# 1,000 files of 4 KiB in bucket kubean (Kindling) and in the nginx root.
mkdir -p "$work/static/kubean/bench"
for i in $(seq -w 1 1000); do head -c 4096 /dev/urandom >"$work/static/kubean/bench/file$i.bin"; done
mkdir -p "$work/node/store/files/kubean" && cp -r "$work/static/kubean/bench" "$work/node/store/files/kubean/"

cat >"$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log error;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  default_type application/octet-stream;
  client_body_temp_path $work/nginx-body;
  proxy_temp_path $work/nginx-proxy;
  fastcgi_temp_path $work/nginx-fastcgi;
  uwsgi_temp_path $work/nginx-uwsgi;
  scgi_temp_path $work/nginx-scgi;
  server {
    listen 127.0.0.1:$nginx_port ssl;
    ssl_certificate $work/node/pki/server.crt;
    ssl_certificate_key $work/node/pki/server.key;
    root $work/static;
  }
}
CONF
nginx -c "$work/nginx.conf" -g 'daemon off;' &
pids+=($!)
sleep 1

elapsed() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }
pull_all() { # repo-name url
  helm repo add "$1" "$2" --ca-file "$ca" >/dev/null
  rm -rf "$work/pulled"; mkdir -p "$work/pulled"
  for i in $(seq 1 50); do helm pull "$1/chart$i" --ca-file "$ca" -d "$work/pulled" >/dev/null; done
}
fetch_all() { # base-url
  rm -rf "$work/fetched"; mkdir -p "$work/fetched"
  seq -w 1 1000 | xargs -P10 -I{} curl -sf --cacert "$ca" -o "$work/fetched/file{}.bin" "$1/kubean/bench/file{}.bin"
}
aws_copy() {
  rm -rf "$work/aws"; AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    aws s3 cp --recursive --no-sign-request --region us-east-1 --endpoint-url "https://127.0.0.1:$files" --ca-bundle "$ca" s3://kubean/bench/ "$work/aws/"
}

helm_k=$(elapsed pull_all kindling "https://127.0.0.1:$charts")
helm_n=$(elapsed pull_all nginx "https://127.0.0.1:$nginx_port/charts")
aws_k=$(elapsed aws_copy)
[[ $(ls "$work/aws" | wc -l) -eq 1000 ]] || { echo "bench: aws copied $(ls "$work/aws" | wc -l) files, not 1000" >&2; exit 1; }
curl_k=$(elapsed fetch_all "https://127.0.0.1:$files")
curl_n=$(elapsed fetch_all "https://127.0.0.1:$nginx_port")

ratio() { echo "scale=2; $1 / $2" | bc; }
echo "| measure | Kindling | nginx | Kindling / nginx time |"
echo "|---|---:|---:|---:|"
printf '| helm pull of 50 charts (sequential), s | %.2f | %.2f | %s |\n' "$helm_k" "$helm_n" "$(ratio "$helm_k" "$helm_n")"
printf '| 1,000 x 4 KiB files, curl -P10, s | %.2f | %.2f | %s |\n' "$curl_k" "$curl_n" "$(ratio "$curl_k" "$curl_n")"
printf '| 1,000 x 4 KiB files, aws s3 cp --recursive (Kindling only; nginx has no S3 API), s | %.2f | (curl above: %.2f) | %s |\n' "$aws_k" "$curl_n" "$(ratio "$aws_k" "$curl_n")"
echo
echo "machine: $(nproc) cores, $(. /etc/os-release && echo "$PRETTY_NAME"), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
