#!/bin/sh
# Render an HTML page in headless Chromium; fail unless it renders without
# console errors and its DOM has an element with id "col-NAME" for every
# NAME given. Writes PAGE.png (a screenshot) beside the page.
#   usage: html_check.sh PAGE.html NAME...
set -u
page=$1; shift
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
chrome() {
	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$dir/profile" --enable-logging=stderr --v=0 "$@"
}
url="file://$(cd "$(dirname "$page")" && pwd)/$(basename "$page")"
chrome --dump-dom "$url" >"$dir/dom.html" 2>"$dir/log" || { echo "chromium failed:"; tail -5 "$dir/log"; exit 1; }
if grep -E 'CONSOLE|Uncaught|SyntaxError' "$dir/log" >/dev/null; then
	echo "console errors:"; grep -E 'CONSOLE|Uncaught|SyntaxError' "$dir/log"; exit 1
fi
for name in "$@"; do
	/usr/bin/python3 - "$dir/dom.html" "$name" <<'PY' || { echo "no rendered card for column '$name'"; exit 1; }
import sys, html.parser
want = "col-" + sys.argv[2]
class P(html.parser.HTMLParser):
    found = False
    def handle_starttag(self, tag, attrs):
        if dict(attrs).get("id") == want:
            P.found = True
P().feed(open(sys.argv[1], encoding="utf-8").read())
sys.exit(0 if P.found else 1)
PY
done
chrome --screenshot="${page%.html}.png" --window-size=1280,2000 "$url" >/dev/null 2>&1 || { echo "no screenshot"; exit 1; }
[ -s "${page%.html}.png" ] || { echo "empty screenshot"; exit 1; }
