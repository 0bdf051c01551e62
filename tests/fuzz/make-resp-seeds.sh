#!/bin/bash
# Regenerate the seed corpora of the response targets (fuzz_s3_resp,
# fuzz_gitlab_pkg, fuzz_gitlab_api, fuzz_webdav_resp) from answers as the
# servers send them: S3's (tests/s3_server.py mimics it), GitLab's
# generic packages, notes and artifacts API (tests/gitlab_server.py), and
# a WebDAV registry's files. The input layout is in resp.h:
#   OP STATUS-HI STATUS-LO HEADERS "\n--\n" BODY    (status = 100 + v % 500)
# make-seeds.sh runs this too; it needs no binaries.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
C=$top/tests/fuzz/corpus
for t in s3_resp gitlab_pkg gitlab_api webdav_resp; do
	rm -rf "${C:?}/$t"; mkdir -p "$C/$t"
done

# s TARGET NAME OP STATUS HEADERS BODY: HEADERS are lines joined by \n
# (each gets its CRLF, then the blank line), "" for none
s() {
	local v=$(($4 - 100))
	{
		printf "\\$(printf %03o "$3")\\$(printf %03o $((v >> 8)))\\$(printf %03o $((v & 255)))"
		if [ -n "$5" ]; then
			printf '%s\n' "$5" | sed 's/$/\r/'
			printf '\r'
		fi
		printf '\n--\n%s' "$6"
	} >"$C/$1/$2"
}

xml='<?xml version="1.0" encoding="UTF-8"?>'
s3err() { printf '%s\n<Error><Code>%s</Code><Message>%s</Message></Error>' "$xml" "$1" "$1"; }
hdr="HTTP/1.1 %s
Server: BaseHTTP/0.6 Python/3.11
Date: Mon, 01 Dec 2025 12:00:00 GMT"

# ---- S3 (op bit 0: 0 GET, 1 PUT) ----
s s3_resp get-object 0 200 "$(printf "$hdr" "200 OK")
ETag: \"9e107d9d372bb6826bd81d3542a419d6\"
Content-Type: application/octet-stream
Content-Length: 52" '{"kind":"mlci.channel","schema_version":1,"version":"1.0.0"}'
s s3_resp get-no-etag 0 200 "$(printf "$hdr" "200 OK")
Content-Length: 2" '{}'
s s3_resp get-multipart-etag 0 200 "HTTP/1.1 100 Continue

HTTP/1.1 200 OK
etag:   \"d41d8cd98f00b204e9800998ecf8427e-12\"  
Content-Length: 0" ''
s s3_resp get-nosuchkey 0 404 "$(printf "$hdr" "404 Not Found")
Content-Type: application/xml" "$(s3err NoSuchKey)"
s s3_resp get-nosuchbucket 0 404 "$(printf "$hdr" "404 Not Found")
Content-Type: application/xml" "$(s3err NoSuchBucket)"
s s3_resp get-denied 0 403 "$(printf "$hdr" "403 Forbidden")
Content-Type: application/xml" "$(s3err SignatureDoesNotMatch)"
s s3_resp get-badkey 0 403 "$(printf "$hdr" "403 Forbidden")" "$(s3err InvalidAccessKeyId)"
s s3_resp get-slowdown 0 503 "$(printf "$hdr" "503 Slow Down")
Retry-After: 1" "$(s3err SlowDown)"
s s3_resp get-redirect 0 301 "$(printf "$hdr" "301 Moved Permanently")
Location: https://fuzz-bucket.s3.eu-west-1.amazonaws.com/m/1/manifest.json" "$(s3err PermanentRedirect)"
s s3_resp put-ok 1 200 "$(printf "$hdr" "200 OK")
ETag: \"5d41402abc4b2a76b9719d911017c592\"
Content-Length: 0" ''
s s3_resp put-precondition 1 412 "$(printf "$hdr" "412 Precondition Failed")
Content-Type: application/xml" "$(s3err PreconditionFailed)"
s s3_resp put-conflict 1 409 "$(printf "$hdr" "409 Conflict")" "$(s3err ConditionalRequestConflict)"
s s3_resp put-malformed 1 400 "$(printf "$hdr" "400 Bad Request")" "$(s3err AuthorizationHeaderMalformed)"
s s3_resp put-token 1 403 "$(printf "$hdr" "403 Forbidden")" "$(s3err InvalidToken)"

# ---- GitLab generic packages (op % 3: 0 upload answer, 1 redirect, 2 error) ----
sent_sha=$(printf '%s' 'the bytes of model-1.0.0.tar.gz' | sha256sum | cut -c1-64)
pf() { printf '{"id":%s,"package_id":1,"file_name":"model-1.0.0.tar.gz","size":31,"file_sha256":"%s","file_md5":"3f0e..."}' "$1" "$2"; }
gh="HTTP/1.1 %s
Server: nginx
Content-Type: application/json
X-Request-Id: 01HZX3K9Q4"
s gitlab_pkg upload-ok 0 201 "$(printf "$gh" "201 Created")" "$(pf 7 "$sent_sha")"
s gitlab_pkg upload-ok-200 0 200 "$(printf "$gh" "200 OK")" "$(pf 8 "$sent_sha")"
s gitlab_pkg upload-wrong-sha 0 201 "$(printf "$gh" "201 Created")" "$(pf 9 "$(printf 'other bytes' | sha256sum | cut -c1-64)")"
s gitlab_pkg upload-no-select 0 201 "$(printf "$gh" "201 Created")" '{"message":"201 Created"}'
s gitlab_pkg upload-duplicate 0 400 "$(printf "$gh" "400 Bad Request")" '{"message":"Duplicate package is not allowed"}'
s gitlab_pkg redirect-storage 1 302 "$(printf "$gh" "302 Found")
Location: https://storage.example.com/gitlab-packages/aa/bb/model-1.0.0.tar.gz?X-Amz-Expires=600&X-Amz-Signature=abc" ''
s gitlab_pkg redirect-same 1 302 "$(printf "$gh" "302 Found")
Location: https://gitlab.example.com:443/api/v4/projects/42/packages/generic/model/1.0.0/model-1.0.0.tar.gz" ''
s gitlab_pkg redirect-relative 1 301 "$(printf "$gh" "301 Moved Permanently")
Location: /api/v4/projects/group%2Fproject/packages/generic/model/1.0.0/model-1.0.0.tar.gz" ''
s gitlab_pkg redirect-downgrade 1 302 "$(printf "$gh" "302 Found")
location: http://gitlab.example.com/api/v4/projects/42/packages/generic/m/1/f" ''
s gitlab_pkg error-404 2 404 "$(printf "$gh" "404 Not Found")" '{"message":"404 Package Not Found"}'
s gitlab_pkg error-401 2 401 "$(printf "$gh" "401 Unauthorized")" '{"message":"401 Unauthorized"}'
s gitlab_pkg error-403 2 403 "$(printf "$gh" "403 Forbidden")" '{"message":"403 Forbidden"}'
s gitlab_pkg error-400-list 2 400 "$(printf "$gh" "400 Bad Request")" '{"message":{"file":["is too large"]},"error":"file is invalid"}'
s gitlab_pkg error-413 2 413 "HTTP/1.1 413 Request Entity Too Large" '<html><body>413 Request Entity Too Large</body></html>'

# ---- GitLab API of mlci-gate (op % 3: 0 note page headers, 1 note answer, 2 baseline) ----
np() { printf "$gh
X-Page: %s
X-Per-Page: 100
X-Total: 250
X-Total-Pages: 3
X-Next-Page: %s
X-Prev-Page: 
Link: <https://gitlab.example.com/api/v4/projects/1/merge_requests/3/notes?page=%s&per_page=100>; rel=\"next\"" "200 OK" "$1" "$2" "$2"; }
s gitlab_api pages-next 0 200 "$(np 7 8)" '[]'
s gitlab_api pages-last 0 200 "$(np 7 '')" '[]'
s gitlab_api pages-back 0 200 "$(np 7 3)" '[]'
s gitlab_api pages-continue 0 200 "HTTP/1.1 100 Continue
X-Next-Page: 99

$(np 7 12)" '[]'
note='{"id":%s,"type":null,"body":"<!-- mlci-gate:mlci-gate -->\\n## mlci-gate: pass","author":{"id":1,"username":"mlci-bot"},"created_at":"2025-12-01T12:00:00.000Z","system":false,"noteable_id":3,"noteable_type":"MergeRequest","resolvable":false,"noteable_iid":3}'
s gitlab_api note-edited 1 200 "$(printf "$gh" "200 OK")" "$(printf "$note" 42)"
s gitlab_api note-posted 5 201 "$(printf "$gh" "201 Created")" "$(printf "$note" 1001)"
s gitlab_api note-other 1 200 "$(printf "$gh" "200 OK")" "$(printf "$note" 43)"
s gitlab_api note-message 5 201 "$(printf "$gh" "201 Created")" '{"message":"201 Created"}'
metrics='{"kind":"mlci.metrics","schema_version":1,"task":"classification","metrics":{"accuracy":0.95,"f1_macro":0.94},"predictions":{"path":"%s","sha256":"ab12"},"n":150}'
s gitlab_api baseline 2 200 "$(printf "$gh" "200 OK")" "$(printf "$metrics" predictions.csv)"
s gitlab_api baseline-preds 6 200 "$(printf "$gh" "200 OK")" "$(printf "$metrics" mlci-out/predictions.csv)"
s gitlab_api baseline-preds-top 14 200 "$(printf "$gh" "200 OK")" "$(printf "$metrics" predictions.csv)"
s gitlab_api baseline-preds-dotdot 6 200 "$(printf "$gh" "200 OK")" "$(printf "$metrics" ../../etc/passwd)"
s gitlab_api baseline-preds-none 6 200 "$(printf "$gh" "200 OK")" '{"kind":"mlci.metrics","metrics":{}}'
s gitlab_api baseline-array 2 200 "$(printf "$gh" "200 OK")" '[1,2,3]'

# ---- a WebDAV registry's files (op % 3: 0 channel, 1 history hint, 2 records) ----
chan='{"kind":"mlci.channel","schema_version":1,"name":"model","channel":"prod","version":"%s","sha256":"%s","updated_at":"2025-12-01T12:00:00Z","previous":%s}'
sha1=$(printf 1 | sha256sum | cut -c1-64); sha2=$(printf 2 | sha256sum | cut -c1-64)
s webdav_resp channel 0 200 "" "$(printf "$chan" 1.1.0 "$sha2" "{\"version\":\"1.0.0\",\"sha256\":\"$sha1\"}")"
s webdav_resp channel-first 0 200 "" "$(printf "$chan" 1.0.0 "$sha1" null)"
s webdav_resp channel-newer 0 200 "" '{"kind":"mlci.channel","schema_version":99,"version":"1","sha256":"x"}'
s webdav_resp hint 1 200 "" '17
'
s webdav_resp hint-big 1 200 "" '99999999999999999999'
s webdav_resp hint-neg 1 200 "" ' -3'
ev() { printf '{"event":"%s","time":"2025-12-01T12:00:0%sZ","name":"model","version":"%s","sha256":"%s"%s}' "$@"; }
s webdav_resp records 2 200 "" "$(ev publish 1 1.0.0 "$sha1" '')
--
$(ev publish 2 1.1.0 "$sha2" '')
--
$(ev channel 3 1.0.0 "$sha1" ',"channel":"prod","previous":null')
--
$(ev channel 4 1.1.0 "$sha2" ',"channel":"prod","previous":"1.0.0"')
--
$(ev promote 5 1.0.0 "$sha1" ',"channel":"prod","from_channel":"staging","previous":"1.1.0"')
--
{not json
--
$(ev rollback 6 1.1.0 "$sha2" ',"channel":"prod","previous":"1.0.0"')"
