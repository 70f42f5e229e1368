#!/usr/bin/env bash
# check-glibc.sh MAX FILE...: fails when an ELF file references a GLIBC_ symbol version above MAX
# (e.g. 2.17, manylinux2014), naming the symbols that need more. Reads `objdump -T`.
set -euo pipefail
max="$1"; shift
status=0
for f in "$@"; do
    # "version symbol" per line, e.g. "2.17 clock_gettime"
    syms="$(objdump -T "$f" | sed -n 's/.*(\?GLIBC_\([0-9][0-9.]*\))\?[[:space:]]\+\([^[:space:]]*\)$/\1 \2/p')"
    highest="$(cut -d' ' -f1 <<<"$syms" | sort -uV | tail -n1)"
    if [ -z "$highest" ]; then
        echo "glibc check: $f references no GLIBC_ symbol version (not a glibc binary?)" >&2
        status=1
    elif [ "$(printf '%s\n' "$highest" "$max" | sort -V | tail -n1)" != "$max" ]; then
        echo "glibc check: $f needs GLIBC_$highest, above $max:" >&2
        while read -r v name; do
            [ "$(printf '%s\n' "$v" "$max" | sort -V | tail -n1)" = "$max" ] || echo "  $name (GLIBC_$v)" >&2
        done <<<"$syms"
        status=1
    else
        echo "glibc check: $f: highest symbol version GLIBC_$highest <= $max"
    fi
done
exit "$status"
