#!/usr/bin/env bash
# test-minisign-tool.sh - signatures the real minisign tool makes, with a fresh key pair,
# verify through minisign.h (test-minisign-cli), and altered ones do not.  minisign is a
# declared dependency (ci/deps): a missing tool fails this test, it does not skip it.
set -euo pipefail

usage() {
    echo "usage: test-minisign-tool.sh PATH/TO/test-minisign-cli"
}

case "${1:-}" in
    -h | --help) usage; exit 0 ;;
    "") usage >&2; exit 2 ;;
esac
cli=$(realpath -- "$1")
[[ -x $cli ]] || { echo "test-minisign-tool.sh: error: $1 is not executable" >&2; exit 1; }
if ! command -v minisign >/dev/null; then
    echo "test-minisign-tool.sh: error: minisign is not installed (ci/deps installs it)" >&2
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
failures=0

fail() {
    echo "test-minisign-tool.sh: FAIL: $*" >&2
    failures=$((failures + 1))
}

# expect_ok SIG FILE [PUB]: the CLI accepts, and prints the trusted comment SIG carries.
expect_ok() {
    local sig=$1 file=$2 pub=${3:-$tmp/k.pub} out want
    want="trusted comment: $(sed -n '3s/^trusted comment: //p' "$sig" | tr -d '\r')"
    if ! out=$("$cli" "$pub" "$file" "$sig" 2>&1); then
        fail "$(basename "$sig") refused: $out"
    elif [[ $out != "$want" ]]; then
        fail "$(basename "$sig"): printed '$out', expected '$want'"
    fi
}

# expect_refused SIG FILE PATTERN [PUB]: the CLI refuses, and says PATTERN.
expect_refused() {
    local sig=$1 file=$2 pattern=$3 pub=${4:-$tmp/k.pub} out
    if out=$("$cli" "$pub" "$file" "$sig" 2>&1); then
        fail "$(basename "$sig") on $(basename "$file") accepted"
    elif [[ $out != *"$pattern"* ]]; then
        fail "$(basename "$sig"): said '$out', expected '$pattern'"
    fi
}

minisign -G -W -p "$tmp/k.pub" -s "$tmp/k.key" >/dev/null
minisign -G -W -p "$tmp/other.pub" -s "$tmp/other.key" >/dev/null
img=$tmp/Test-2.0.1.img
head -c $((3 * 1024 * 1024 + 5)) /dev/urandom >"$img" # several of the CLI's read blocks

# the default (prehashed), legacy (-l) and a custom trusted comment (-t)
minisign -S -s "$tmp/k.key" -m "$img" >/dev/null
minisign -S -l -s "$tmp/k.key" -m "$img" -x "$img.legacy.minisig" >/dev/null
minisign -S -s "$tmp/k.key" -m "$img" -x "$img.custom.minisig" -t "release 2.0.1 file:Test-2.0.1.img" >/dev/null
for sig in "$img.minisig" "$img.legacy.minisig" "$img.custom.minisig"; do
    minisign -V -q -p "$tmp/k.pub" -m "$img" -x "$sig" || fail "minisign itself refuses $(basename "$sig")"
    expect_ok "$sig" "$img"
done
grep -q $'^trusted comment: timestamp:[0-9]*\tfile:Test-2.0.1.img\thashed$' "$img.minisig" ||
    fail "unexpected default trusted comment: $(sed -n 3p "$img.minisig")"

# CRLF line endings and a missing final newline are tolerated
sed 's/$/\r/' "$img.minisig" >"$tmp/crlf.minisig"
expect_ok "$tmp/crlf.minisig" "$img"
head -c -1 "$img.minisig" >"$tmp/nonl.minisig"
expect_ok "$tmp/nonl.minisig" "$img"

# an altered file: one overwritten stretch, a byte more, a byte less
cp "$img" "$tmp/changed.img"
printf 'tampered-bytes!!' | dd of="$tmp/changed.img" bs=1 seek=1000000 conv=notrunc status=none
cp "$img" "$tmp/longer.img"
printf 'x' >>"$tmp/longer.img"
cp "$img" "$tmp/shorter.img"
truncate -s -1 "$tmp/shorter.img"
for f in changed longer shorter; do
    expect_refused "$img.minisig" "$tmp/$f.img" "Key was rejected"
    expect_refused "$img.legacy.minisig" "$tmp/$f.img" "Key was rejected"
done

# an altered trusted comment; a signature by another key; malformed files
sed '3s/file:Test-2.0.1.img/file:Test-9.0.0.img/' "$img.minisig" >"$tmp/comment.minisig"
expect_refused "$tmp/comment.minisig" "$img" "trusted comment or its signature was altered"
expect_refused "$img.minisig" "$img" "Required key not available" "$tmp/other.pub"
head -n 3 "$img.minisig" >"$tmp/short.minisig"
expect_refused "$tmp/short.minisig" "$img" "Bad message"
(cat "$img.minisig"; echo) >"$tmp/blank.minisig"
expect_refused "$tmp/blank.minisig" "$img" "Bad message"

if ((failures > 0)); then
    echo "test-minisign-tool.sh: $failures failure(s)" >&2
    exit 1
fi
echo "test-minisign-tool.sh: ok"
