#!/usr/bin/env bash
# Fetches the explorers' vendored browser assets (GraphiQL, React, graphql-ws, GraphQL Playground)
# from the npm registry into api/assets/, as pinned in api/assets/assets.tsv, with each package's
# licence into api/assets/licenses/, and checks every file against the sha256 recorded there.
#
#   scripts/fetch-explorer-assets.sh            # re-fetch and verify: fails if a file differs
#   scripts/fetch-explorer-assets.sh --update   # re-fetch and record the new sha256 (after a version bump)
#   scripts/fetch-explorer-assets.sh --check    # offline: check the committed files against the manifest
#
# Needs npm (it runs `npm pack`, which checks each tarball against the registry's integrity hash),
# except with --check.
set -euo pipefail
cd "$(dirname "$0")/.."

assets=api/assets
manifest=$assets/assets.tsv
update=false
[[ "${1:-}" == "--update" ]] && update=true

if [[ "${1:-}" == "--check" ]]; then
  grep -v '^#' "$manifest" | awk -F'\t' '{ print $6 "  " $1 }' | (cd "$assets" && sha256sum --quiet -c -)
  echo "explorer assets: $(grep -vc '^#' "$manifest") files match $manifest"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

unpacked() { # package version -> directory holding the unpacked package
  local dir="$work/$1-$2"
  if [[ ! -d "$dir" ]]; then
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "$1@$2" >/dev/null && tar xzf ./*.tgz)
  fi
  echo "$dir/package"
}

status=0
new_manifest="$work/assets.tsv"
while IFS=$'\t' read -r file package version path licence sha; do
  if [[ "$file" == \#* || -z "$file" ]]; then
    printf '%s\n' "$file${package:+	$package	$version	$path	$licence	$sha}" >> "$new_manifest"
    continue
  fi
  src="$(unpacked "$package" "$version")"
  cp "$src/$path" "$assets/$file"
  for name in LICENSE LICENSE.md LICENSE.txt license; do
    if [[ -f "$src/$name" ]]; then cp "$src/$name" "$assets/licenses/$package-$version.LICENSE"; break; fi
  done
  actual=$(sha256sum "$assets/$file" | cut -d' ' -f1)
  if $update; then
    sha=$actual
  elif [[ "$actual" != "$sha" ]]; then
    echo "checksum mismatch: $file is $actual, the manifest says $sha" >&2
    status=1
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$file" "$package" "$version" "$path" "$licence" "$sha" >> "$new_manifest"
done < "$manifest"

if $update; then cp "$new_manifest" "$manifest"; fi
[[ $status == 0 ]] && echo "explorer assets: $(grep -vc '^#' "$manifest") files match $manifest"
exit $status
