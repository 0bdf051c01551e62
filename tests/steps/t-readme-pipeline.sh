# The README's "pipeline, by hand" block works when pasted into a shell at
# the top of a checkout (with the binaries under test on PATH).
awk '/^## The pipeline, by hand/ {on = 1} on && /^```sh$/ {grab = 1; next}
     grab && /^```$/ {exit} grab' "$TOP/README.md" | grep -v '^make ' >pipeline.sh
if [ "$(grep -c '^mlci-' pipeline.sh)" -eq 7 ]; then ok "the README shows the seven pipeline commands"
else not_ok "the README shows the seven pipeline commands" "$(cat pipeline.sh)"; fi
mkdir -p co/tests co/templates
ln -s "$DATA" co/tests/data
cp "$TOP/templates/gate.rules" co/templates/
expect_exit 0 "the README's pipeline runs as pasted" \
	sh -c "cd co && PATH='$BIN':\$PATH && set -e && . ../pipeline.sh"
check "it ends with a deployed package" test -f co/demo-out/registry/adult-income/channels/staging.json
