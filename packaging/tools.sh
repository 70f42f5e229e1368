#!/usr/bin/env bash
# Installs the packaging tools into one virtual environment and prints its bin directory:
# cargo-zigbuild and zig (the portable build links against glibc 2.17 with zig as the linker),
# setuptools and wheel (the Python package's build requirements, read from its pyproject.toml so
# the pins live in one place), build and auditwheel (checks). Every version is pinned.
#
# Fast and silent when already installed: a stamp holds the requirement list it was made from.
# The environment is shared by every clone on the machine that pins the same versions (it is
# ~400 MB, zig's libc headers); SOTER_TOOLS_DIR moves it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${SOTER_TOOLS_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/soter-verify/tool-envs}"
python="${PYTHON:-$(command -v python3.11 || command -v python3)}"

# Checks only; the build requirements come from pyproject.toml.
extra=("build==1.6.1" "auditwheel==6.8.2")

# The repository's pyproject.toml, or (run from an sdist's rust/packaging) the sdist's own.
pyproject="$root/bindings/python/pyproject.toml"
[ -f "$pyproject" ] || pyproject="$root/../pyproject.toml"
build_requires="$("$python" - "$pyproject" <<'EOF'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    print("\n".join(tomllib.load(f)["build-system"]["requires"]))
EOF
)"
want="$(printf '%s\n' "$build_requires" "${extra[@]}")"
# One environment per requirement list: clones (or branches) pinning different versions each get
# their own and never reinstall one that another build is using at that moment.
dir="$dir/$(printf '%s' "$want" | sha256sum | cut -c1-12)"

if [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$want" ] && [ -x "$dir/bin/cargo-zigbuild" ]; then
    echo "$dir/bin"
    exit 0
fi

mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock"
flock 9   # another clone may be installing the same environment right now
if [ "$(cat "$dir/.stamp" 2>/dev/null)" != "$want" ] || [ ! -x "$dir/bin/cargo-zigbuild" ]; then
    echo "packaging tools: installing into $dir" >&2
    rm -rf "$dir"
    "$python" -m venv "$dir" >&2
    mapfile -t reqs <<<"$want"
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "${reqs[@]}" >&2
    printf '%s\n' "$want" >"$dir/.stamp"
fi
echo "$dir/bin"
