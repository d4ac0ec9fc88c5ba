#!/usr/bin/env bash
# Installs the front-end packages pinned in package-lock.json (npm ci) and copies the DSFR files the portal
# serves from node_modules into static/dsfr (ignored by git, embedded into the binary). Only what is served is
# copied: the package's dist folder is 88 MB.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ ! -d node_modules/@gouvfr/dsfr/dist ]; then
  command -v npm >/dev/null 2>&1 || { echo "assets: npm is required (Debian: apt-get install npm)" >&2; exit 1; }
  # The DSFR licence is accepted through .dsfr.yml; the variable covers npm versions that run its install check.
  DSFR_ACCEPT_LICENSE=1 npm ci --no-audit --no-fund --loglevel=error
fi

dist=node_modules/@gouvfr/dsfr/dist
out=static/dsfr
# The DSFR icon families (node_modules/@gouvfr/dsfr/dist/utility/icons/icons-*) whose classes the pages use.
icon_families="arrows buildings business device map system user"
marker="$out/.version"
want="$(node -p "require('./$dist/../package.json').version")"
if [ -f "$marker" ] && [ "$(cat "$marker")" = "$want-$icon_families" ] && [ -f "$out/dsfr-campus.min.css" ] &&
  [ -f "$out/artwork/pictograms/system/system.svg" ]; then
  exit 0
fi
find "$out" -mindepth 1 ! -name .gitkeep -exec rm -rf {} + 2>/dev/null || true
# The one render-blocking stylesheet: the DSFR's modern bundle (dsfr.main: dsfr.min.css without its legacy part for
# browsers lacking CSS variables and without its print rules, served apart with media="print"), followed by the
# icon families the portal uses instead of the 455 KB utility bundle (every icon, every colour class). The icons'
# URLs are made relative to this folder. A family missing here fails TestLayout_StylesheetsWithinBudget.
{
  cat "$dist/dsfr.main.min.css"
  for f in $icon_families; do
    echo
    sed 's#url(\.\./\.\./\.\./icons/#url(icons/#g' "$dist/utility/icons/icons-$f/icons-$f.main.min.css"
  done
} >"$out/dsfr-campus.min.css"
cp "$dist/dsfr.print.min.css" "$dist/dsfr.module.min.js" "$dist/dsfr.nomodule.min.js" "$out/"
cp -r "$dist/fonts" "$dist/icons" "$dist/favicon" "$out/"
# The pictograms of the display settings' modal (templates/layout.templ).
mkdir -p "$out/artwork/pictograms/environment" "$out/artwork/pictograms/system"
cp "$dist/artwork/pictograms/environment/sun.svg" "$dist/artwork/pictograms/environment/moon.svg" "$out/artwork/pictograms/environment/"
cp "$dist/artwork/pictograms/system/system.svg" "$out/artwork/pictograms/system/"
echo "$want-$icon_families" >"$marker"
echo "assets: DSFR $want copied into $out" >&2
