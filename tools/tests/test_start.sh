#!/usr/bin/env bash
# tools/start shows the build's progress (a first release build takes ten minutes) and stops
# with a message when the build fails. Runs tools/start against a stand-in `swift` that
# prints SwiftPM-like output, so no real build is needed.
set -euo pipefail
cd "$(dirname "$0")/../.."
fake=$(mktemp -d)
trap 'rm -rf "$fake"' EXIT
mkdir -p "$fake/bin" "$fake/release"
cat > "$fake/bin/swift" <<'SWIFT'
#!/bin/sh
case "$*" in
  *--show-bin-path*) echo "$FAKE_RELEASE" ;;
  *build*)
    echo "[1/3] Compiling MinpingCore Lifecycle.swift"
    echo "warning: 'swift-distributed-tracing': found 1 file(s) which are unhandled; explicitly declare them as resources or exclude from the target"
    echo "    /somewhere/.build/checkouts/swift-distributed-tracing/Sources/Tracing/CMakeLists.txt"
    echo "[2/3] Compiling MinpingHTTP Problem.swift"
    if [ "${FAKE_FAIL:-0}" = 1 ]; then echo "Problem.swift:1:1: error: expected declaration"; exit 1; fi
    echo "[3/3] Linking minping"
    echo "Build complete! (1.00s)" ;;
esac
SWIFT
printf '#!/bin/sh\necho "minping $*"\n' > "$fake/release/minping"
chmod +x "$fake/bin/swift" "$fake/release/minping"

out=$(PATH="$fake/bin:$PATH" FAKE_RELEASE="$fake/release" tools/start --port 9999 2>&1)
fail() { echo "FAIL tools/start: $1"; echo "$out"; exit 1; }
for line in "[1/3] Compiling MinpingCore Lifecycle.swift" "[2/3] Compiling MinpingHTTP Problem.swift" "[3/3] Linking minping" "Build complete!"; do
  grep -qF "$line" <<<"$out" || fail "the build's progress line '$line' is not shown"
done
grep -q "unhandled\|CMakeLists" <<<"$out" && fail "the dependencies' notes about unhandled files are shown"
grep -qF "minping serve --load Ballots/fuyuan-2018.yaml --port 9999" <<<"$out" || fail "the server is not started with the sample"
echo "ok   tools/start shows the build's progress and starts the server"

set +e
out=$(PATH="$fake/bin:$PATH" FAKE_RELEASE="$fake/release" FAKE_FAIL=1 tools/start 2>&1)
status=$?
set -e
[ "$status" -ne 0 ] || fail "a failed build did not stop tools/start"
grep -qF "error: expected declaration" <<<"$out" || fail "the build's error is not shown"
grep -qF "the build failed" <<<"$out" || fail "no plain message when the build fails"
grep -qF "minping serve" <<<"$out" && fail "the server was started after a failed build"
echo "ok   tools/start stops with the build's error when the build fails"
