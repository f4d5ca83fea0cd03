#!/usr/bin/env bash
# Do the README's two commands share one build? Lists the library artifacts (crate + feature
# hash) that `cargo run --release` (i.e. `cargo build --release`) and
# `cargo test --workspace --release` use; any crate listed under "only one of them" is built
# twice. Run it after a build of both (it compiles whatever is missing).
#   bench/check_one_build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
list() {
  cargo "$@" --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact":
        for f in m["filenames"]:
            if f.endswith((".rlib", ".so")):
                print(f.rsplit("/", 1)[-1])
' | sort -u
}
run=$(list build --release)
test=$(list test --workspace --release --no-run)
# A dependency of the binary whose artifact (name + hash of its features) the test build does
# not use is compiled a second time; the workspace's own crates are excluded (tests rebuild them
# with the test harness anyway), as are test-only dependencies (nothing to share).
only=$(comm -23 <(echo "$run") <(echo "$test") | grep -v -E '^libcyclr(_burn|_data|_cli)?(-[0-9a-f]+)?\.rlib$' || true)
echo "artifacts: cargo build --release $(echo "$run" | wc -l), cargo test --workspace --release --no-run $(echo "$test" | wc -l)"
if [ -z "$only" ]; then
  echo "every dependency of the binary is shared with the test build: one build"
else
  echo "built for the binary but not used by the tests (built twice):"
  echo "$only" | sed 's/^[[:space:]]*/  /'
  exit 1
fi
