#!/usr/bin/env bash
# Refreshes the vendored front-end assets from npm (versions in package.json).
# Run from the repository root, then commit the copied files.
set -euo pipefail
npm install --no-save --no-audit --no-fund
S=node_modules/@scottish-government/design-system
V=internal/web/static/vendor/sgds
mkdir -p "$V/images" internal/browsertest/testdata
cp "$S/dist/css/design-system.min.css" "$S/dist/scripts/design-system.js" "$V/"
cp "$S/dist/images/icons/icons.stack.svg" "$V/images/"
cp "$S/LICENSE.txt" "$V/LICENSE.txt"
cp node_modules/axe-core/axe.min.js internal/browsertest/testdata/axe.min.js
cp node_modules/axe-core/LICENSE internal/browsertest/testdata/axe-LICENSE
echo "vendored: design system $(node -p "require('./$S/package.json').version"), axe-core $(node -p "require('./node_modules/axe-core/package.json').version")"
