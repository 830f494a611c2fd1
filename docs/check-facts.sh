#!/usr/bin/env bash
# Checks that every protocol-notes item the repository cites has an entry in docs/facts.md:
#   - every id F-nnn, U-nn, I-nn, E-nn found anywhere in the repository (tracked files and
#     untracked, not ignored ones; docs/facts.md, docs/peers.md and this script excluded) must
#     be a heading of docs/facts.md ("### F-911 — ...");
#   - every spec-notes section "§1.n[.m]" cited must be a heading too ("### §1.9 — ...").
# Prints what is missing, with where it is cited, and exits 1; exits 0 when nothing is.
# Run from the repository root: bash docs/check-facts.sh
# Uses only git grep, grep, sed and sort (plus shell built-ins).
set -u
export LC_ALL=C

facts=docs/facts.md
if [ ! -f "$facts" ] || ! git rev-parse --git-dir >/dev/null 2>&1; then
  echo "check-facts: run from the repository root ($facts not found)" >&2
  exit 2
fi

pathspec=(-- . ':(exclude)docs/facts.md' ':(exclude)docs/peers.md' ':(exclude)docs/check-facts.sh')

cited_ids=$(git grep --untracked -ohE '\b[FUIE]-[0-9]{1,4}\b' "${pathspec[@]}" | sort -u)
cited_sections=$(git grep --untracked -ohE '§ ?1\.[0-9]+(\.[0-9]+)*' "${pathspec[@]}" \
  | sed -e 's/§ /§/' | sort -u)

heading_ids=$(grep -E '^#{2,4} [FUIE]-[0-9]{1,4}\b' "$facts" \
  | sed -E 's/^#+ ([FUIE]-[0-9]+).*/\1/' | sort -u)
heading_sections=$(grep -E '^#{2,4} §1\.[0-9]' "$facts" \
  | sed -E 's/^#+ (§1\.[0-9]+(\.[0-9]+)*).*/\1/' | sort -u)

# Lines of $1 that are not lines of $2.
not_in() {
  if [ -z "$1" ]; then return 0; fi
  printf '%s\n' "$1" | grep -vxF -f <(printf '%s\n' "$2")
}

missing_ids=$(not_in "$cited_ids" "$heading_ids")
missing_sections=$(not_in "$cited_sections" "$heading_sections")

count() { if [ -z "$1" ]; then echo 0; else printf '%s\n' "$1" | grep -c .; fi; }

echo "cited ids: $(count "$cited_ids"), with an entry: $(count "$heading_ids")" \
  "(in $facts, including ids not cited)"
echo "cited spec-notes sections: $(count "$cited_sections")" \
  "($(printf '%s ' $cited_sections))"

status=0
if [ -n "$missing_ids" ]; then
  status=1
  echo
  echo "ids cited in the repository without an entry in $facts:"
  for id in $missing_ids; do
    echo "  $id  cited at:"
    git grep --untracked -nwF "$id" "${pathspec[@]}" | sed -e 's/^/      /' -e 's/\(.\{150\}\).*/\1…/'
  done
fi
if [ -n "$missing_sections" ]; then
  status=1
  echo
  echo "spec-notes sections cited without an entry in $facts:"
  for sec in $missing_sections; do
    echo "  $sec  cited at:"
    git grep --untracked -nF "$sec" "${pathspec[@]}" | sed -e 's/^/      /' -e 's/\(.\{150\}\).*/\1…/'
  done
fi
if [ "$status" -eq 0 ]; then
  echo "OK: every cited id and section has an entry in $facts"
fi
exit "$status"
