#!/usr/bin/env bash
# Compose smoke test: runs the real docker-compose.yml the way a fresh clone would
# (`docker compose up`, nothing before it), then uses the stack from this machine with the CLI:
#   build, `up --wait`, CA copied out of the container and matched with the fingerprint in the log,
#   GET /health over TLS trusting that CA only, no secret in `docker inspect` or the logs, no CA
#   key in the server container, two users registered, `login` without --username, one transfer
#   (the host and the joiner run here on loopback; the server introduces them), the health check
#   failing once MySQL is stopped, `down -v`.
#
# Needs a Docker engine with Compose v2 and the base images (.ci/run gets both from
# ../shared/docker/make-base-images.sh) and a built CLI (dist/, from `npm ci` or `npm run build`).
# Exits non-zero with the reason when there is no engine: it never skips silently.
# A unique project name and a free loopback port: it does not touch any other stack; it always
# removes its containers, volumes and image tag on exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

started=$SECONDS
step() { printf '\n-- compose smoke [%3ss] %s\n' "$((SECONDS - started))" "$*"; }
fail() { printf 'compose smoke FAILED: %s\n' "$*" >&2; exit 1; }

command -v docker >/dev/null || fail 'no docker command: run ../shared/docker/make-base-images.sh (as root) or install Docker'
docker info >/dev/null 2>&1 || fail 'no Docker engine answers (docker info failed)'
docker compose version >/dev/null 2>&1 || fail 'no Docker Compose v2 (`docker compose version` failed)'
[ -f dist/client/src/main.js ] || fail 'the CLI is not built: run npm run build'

project="sft-smoke-$$-$(date +%s)"
work=$(mktemp -d)
host_pid=
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
port=$(free_port)
# Published on loopback only, on a free port; the image under a tag of its own.
relay_port=$(free_port)
export SFT_PUBLISH_ADDRESS=127.0.0.1 SFT_PUBLISH_PORT=$port SFT_RELAY_PUBLISH_PORT=$relay_port SFT_IMAGE="sft-server:$project"
compose() { docker compose -p "$project" -f "$root/docker-compose.yml" --project-directory "$root" "$@"; }

cleanup() {
  local status=$?
  [ -n "$host_pid" ] && kill "$host_pid" 2>/dev/null
  if [ "$status" -ne 0 ]; then
    echo '-- compose smoke: last log lines of the stack' >&2
    compose logs --no-color --tail=40 >&2 2>/dev/null || true
  fi
  compose down -v --remove-orphans >/dev/null 2>&1 || echo "compose smoke: down -v failed for project $project" >&2
  docker image rm "$SFT_IMAGE" >/dev/null 2>&1 || true
  rm -rf "$work"
  printf -- '-- compose smoke: %s after %ss\n' "$([ "$status" -eq 0 ] && echo passed || echo FAILED)" "$((SECONDS - started))"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sft() { # sft USER ARGS...: the CLI with USER's own SFT_HOME
  local user=$1; shift
  SFT_HOME="$work/$user/home" node "$root/bin/sft.js" "$@"
}

session_id_of() { # session_id_of JSONL ERR LABEL: the id the host-session in the background ($host_pid) prints, within 20 s
  local jsonl=$1 err=$2 label=$3 id=
  for _ in $(seq 100); do
    id=$(sed -n 's/^{"event":"session","id":"\([^"]*\)".*/\1/p' "$jsonl" | head -1)
    [ -n "$id" ] && break
    kill -0 "$host_pid" 2>/dev/null || break
    sleep 0.2
  done
  [ -n "$id" ] || fail "$label printed no session id: $(cat "$err")"
  printf '%s\n' "$id"
}

step "build ($SFT_IMAGE)"
compose build --quiet

step "up --wait (project $project, https://localhost:$port)"
compose up -d --wait --wait-timeout 240
for service in server mysql; do
  health=$(docker inspect --format '{{.State.Health.Status}}' "$(compose ps -q "$service")")
  [ "$health" = healthy ] || fail "$service is $health after up --wait"
done

step 'CA certificate out of the container, matched with the server log'
compose cp server:/data/tls/ca.pem "$work/ca.pem"
# Output captured before grep: with pipefail, `grep -q` closing the pipe early would fail the writer.
server_log=$(compose logs --no-color server)
logged=$(sed -n 's/.*CA fingerprint (SHA-256): \([0-9A-F:]*\).*/\1/p' <<<"$server_log" | tail -1)
copied=$(node -e 'console.log(new (require("crypto").X509Certificate)(require("fs").readFileSync(process.argv[1])).fingerprint256)' "$work/ca.pem")
[ -n "$logged" ] || fail 'no "CA fingerprint (SHA-256):" line in docker compose logs server'
[ "$logged" = "$copied" ] || fail "the copied CA ($copied) is not the one the server printed ($logged)"
grep -q 'CA certificate: /data/tls/ca.pem' <<<"$server_log" || fail 'no "CA certificate: /data/tls/ca.pem" line in the server log'

step 'GET /health over TLS, trusting only that CA'
node -e '
  const https = require("https"), fs = require("fs");
  https.get({ host: "localhost", port: Number(process.argv[1]), path: "/health", ca: fs.readFileSync(process.argv[2]) }, (res) => {
    let body = ""; res.on("data", (c) => (body += c));
    res.on("end", () => {
      const ok = res.statusCode === 200 && JSON.parse(body).database === "up";
      if (!ok) { console.error(`/health answered ${res.statusCode} ${body}`); process.exit(1); }
      console.log(body);
    });
  }).on("error", (e) => { console.error(`/health: ${e.message}`); process.exit(1); });
' "$port" "$work/ca.pem"

step 'no secret in docker inspect or the logs; no CA key in the server container'
secrets=$(compose exec -T server sh -c 'cat /run/secrets/sft/mysql-password /data/jwt-secret /data/master.key')
[ "$(printf '%s\n' "$secrets" | grep -c .)" -eq 3 ] || fail 'the server cannot read its three secrets'
root_password=$(compose exec -T mysql cat /run/secrets/sft/mysql-root-password)
[ -n "$root_password" ] || fail 'no MySQL root password in the secrets volume'
if compose exec -T server cat /run/secrets/sft/mysql-root-password >/dev/null 2>&1; then fail 'the server can read the MySQL root password'; fi
inspected=$(docker inspect $(compose ps -aq))
logs=$(compose logs --no-color)
while IFS= read -r secret; do
  [ -n "$secret" ] || continue
  if grep -qF -- "$secret" <<<"$inspected"; then fail 'a secret is in docker inspect'; fi
  if grep -qF -- "$secret" <<<"$logs"; then fail 'a secret is in the logs'; fi
done <<<"$secrets"$'\n'"$root_password"
found=$(compose exec -T server sh -c 'find / -name "ca-key*" -not -path "/proc/*" 2>/dev/null; true')
[ -z "$found" ] || fail "CA private key in the server container: $found"
compose exec -T server sh -c 'grep -q "BEGIN" /data/tls/server-key.pem' || fail 'the server cannot read its TLS key'
[ "$(compose exec -T server id -u)" = 1000 ] || fail 'the server does not run as uid 1000 (node)'

step 'register alice and bob from this machine with the CLI'
for user in alice bob; do
  mkdir -p "$work/$user/home" "$work/$user/files"
  printf 'password-of-%s-%s\n' "$user" "$project" >"$work/$user/password"
  sft "$user" register --server "https://localhost:$port" --ca "$work/ca.pem" --username "$user" --password-stdin <"$work/$user/password"
done
sft bob logout
sft bob login --password-stdin <"$work/bob/password" # the username remembered at register

step 'one transfer: alice hosts on loopback, bob joins; the bytes go peer to peer'
head -c 3000000 /dev/urandom >"$work/alice/files/payload.bin"
(cd "$work/alice/files" && sft alice host-session payload.bin --to bob --listen 127.0.0.1:0 --json >"$work/alice/host.jsonl" 2>"$work/alice/host.err") &
host_pid=$!
id=$(session_id_of "$work/alice/host.jsonl" "$work/alice/host.err" host-session)
sft bob join "$id" --out "$work/bob/files"
wait "$host_pid" || fail "host-session exited $?: $(cat "$work/alice/host.err")"
host_pid=
cmp "$work/alice/files/payload.bin" "$work/bob/files/payload.bin" || fail 'the received file differs from the sent one'
sessions=$(sft bob sessions --json)
[[ "$(grep -F "$id" <<<"$sessions")" == *'"completed"'* ]] || fail "the server does not list session $id as completed"

step 'one transfer through the relay in the container (--relay only on both sides): byte-exact, path recorded'
head -c 2000000 /dev/urandom >"$work/alice/files/relayed.bin"
(cd "$work/alice/files" && sft alice host-session relayed.bin --to bob --relay only --json >"$work/alice/relay-host.jsonl" 2>"$work/alice/relay-host.err") &
host_pid=$!
id=$(session_id_of "$work/alice/relay-host.jsonl" "$work/alice/relay-host.err" 'host-session --relay only')
sft bob join "$id" --relay only --out "$work/bob/files"
wait "$host_pid" || fail "host-session --relay only exited $?: $(cat "$work/alice/relay-host.err")"
host_pid=
cmp "$work/alice/files/relayed.bin" "$work/bob/files/relayed.bin" || fail 'the relayed file differs from the sent one'
[[ "$(sft bob sessions --json | grep -F "$id")" == *'"path":"relay"'* ]] || fail "the server does not record session $id as relayed"

step 'health tells the truth: with MySQL stopped, the image health check and /health fail'
server_container=$(compose ps -q server)
readarray -d '' health_check < <(docker inspect --format '{{json .Config.Healthcheck.Test}}' "$server_container" \
  | node -e 'const t = JSON.parse(require("fs").readFileSync(0, "utf8")); if (t[0] !== "CMD") process.exit(1); process.stdout.write(t.slice(1).join("\0") + "\0")')
docker exec "$server_container" "${health_check[@]}" || fail 'the health check fails while the stack is up'
compose stop mysql
if docker exec "$server_container" "${health_check[@]}"; then fail 'the health check passes while MySQL is stopped'; fi
status=$(node -e '
  require("https").get({ host: "localhost", port: Number(process.argv[1]), path: "/health", ca: require("fs").readFileSync(process.argv[2]) },
    (res) => { console.log(res.statusCode); res.resume(); }).on("error", (e) => console.log(e.message));
' "$port" "$work/ca.pem")
[ "$status" = 503 ] || fail "/health answered $status with MySQL stopped, not 503"

step 'down -v'
compose down -v --remove-orphans
[ -z "$(docker volume ls -q --filter "label=com.docker.compose.project=$project")" ] || fail 'volumes left after down -v'
