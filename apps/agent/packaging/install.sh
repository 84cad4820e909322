#!/bin/sh
# Installs, upgrades or removes the Sysward agent on a Linux x64 host with systemd, from the artifact
# a Sysward console serves (GET /install.sh serves this file; `npm run package` builds the artifact).
#
#   sh install.sh --console URL [--token T --ca-sha256 FP] [--listen host:port] [--user]
#   sh install.sh --uninstall [--purge] [--user]
#
# As root: /opt/sysward, the system unit, data in /var/lib/sysward. With --user (as the user who
# will own the agent): ~/.local/opt/sysward, a user unit, data in ~/.local/share/sysward, lingering.
# Run again to upgrade in place: the data dir (and so the enrollment) stays; an upgrade whose agent
# does not come up is rolled back to the previous install. Options:
#   --console URL      the console to download from and enrol with
#   --token T          the one-time enrollment token (skipped when this host is enrolled already)
#   --ca-sha256 FP     the console CA's fingerprint: enrolment refuses any other CA
#   --listen host:port where the agent's TLS listener binds (default: this host's address toward
#                      the console, port 7443); --address host:port where the console dials, if other
#   --version V --sha256 H  install exactly this artifact and check it against H (required for a
#                      plain-http console, whose answers nobody can vouch for; the console's command
#                      carries both). Without them: the console's current artifact and its .sha256.
#   --insecure-http    enrol over plain http (the tokens cross the network unencrypted)
#   --cacert FILE      trust FILE for the console's https certificate, here and in the agent (which
#                      is otherwise given this host's CA bundle, /etc/ssl/certs/ca-certificates.crt)
#   --wait SECONDS     how long the started agent has to answer on its socket (default 30); an
#                      upgrade whose agent does not is rolled back
#   --uninstall [--purge]  stop and remove the agent and its services; --purge deletes its data too
set -eu
# The whole script is one block: piped from curl and cut short, sh finds no closing brace and runs
# nothing, rather than the part that arrived.
{

PLATFORM=linux-x64
UNIT=sysward-agent.service

say() { printf 'sysward-install: %s\n' "$*"; }
die() {
  printf 'sysward-install: error: %s\n' "$*" >&2
  exit 1
}

console='' token='' ca='' listen='' address='' version='' sha256='' cacert='' wait=30
user_mode=0 uninstall=0 purge=0 insecure_http=0
while [ $# -gt 0 ]; do
  opt=$1
  case $opt in
    --user) user_mode=1 ;;
    --uninstall) uninstall=1 ;;
    --purge) purge=1 ;;
    --insecure-http) insecure_http=1 ;;
    --console | --token | --ca-sha256 | --listen | --address | --version | --sha256 | --cacert | --wait)
      [ $# -ge 2 ] && [ -n "$2" ] || die "$opt needs a value"
      case $opt in
        --console) console=${2%/} ;;
        --token) token=$2 ;;
        --ca-sha256) ca=$2 ;;
        --listen) listen=$2 ;;
        --address) address=$2 ;;
        --version) version=$2 ;;
        --sha256) sha256=$2 ;;
        --cacert) cacert=$2 ;;
        --wait) wait=$2 ;;
      esac
      shift
      ;;
    -h | --help)
      sed -n '2,/^set -eu/p' "$0" 2>/dev/null | sed '$d' | sed 's/^# \{0,1\}//' || true
      exit 0
      ;;
    *) die "unknown option $opt (see the top of install.sh)" ;;
  esac
  shift
done

case $wait in '' | *[!0-9]* | 0) die "--wait takes a whole number of seconds, at least 1" ;; esac

# ---- the host ------------------------------------------------------------------------------------
os=$(uname -s)
arch=$(uname -m)
[ "$os" = Linux ] || die "this host runs $os: the Sysward agent artifact is for Linux x64 only"
case $arch in
  x86_64 | amd64) ;;
  *) die "this host is $arch: the Sysward agent artifact is for Linux x64 (x86_64) only" ;;
esac
[ -d /run/systemd/system ] || die "systemd is not running on this host (no /run/systemd/system): the agent runs as a systemd service"

uid=$(id -u)
if [ "$user_mode" = 1 ]; then
  [ "$uid" != 0 ] || die "--user installs for the user who runs this; as root, leave --user out (a system service)"
  : "${HOME:?HOME is unset}"
  prefix=$HOME/.local/opt/sysward
  data=${XDG_DATA_HOME:-$HOME/.local/share}/sysward
  unit_dir=${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user
  settings=${XDG_CONFIG_HOME:-$HOME/.config}/sysward
  systemctl() { command systemctl --user "$@"; }
  journal() { journalctl --user -u "$UNIT" -n 30 --no-pager -o cat 2>&1 || true; }
  systemctl show-environment >/dev/null 2>&1 || die "no systemd user manager answers for $(id -un) (XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-unset}): log in with a session (ssh, not su), or ask root for: loginctl enable-linger $(id -un)"
  # A non-root agent runs each service inside bubblewrap; without it every install is refused.
  command -v bwrap >/dev/null 2>&1 || say "warning: bubblewrap (bwrap) is not installed: the agent will refuse to install packages until it is (ask root for: apt-get install bubblewrap)"
else
  [ "$uid" = 0 ] || die "run this as root (sudo sh …), or add --user to install for $(id -un) only"
  prefix=/opt/sysward
  data=/var/lib/sysward
  unit_dir=/etc/systemd/system
  settings=/etc/sysward
  journal() { journalctl -u "$UNIT" -n 30 --no-pager -o cat 2>&1 || true; }
fi

# ---- uninstall -----------------------------------------------------------------------------------
if [ "$uninstall" = 1 ]; then
  if systemctl cat "$UNIT" >/dev/null 2>&1; then
    # KillMode=process lets services outlive agent restarts; removal ends them too.
    systemctl kill --kill-whom=all --signal=SIGTERM "$UNIT" 2>/dev/null || true
    systemctl disable --now "$UNIT" >/dev/null 2>&1 || true
    systemctl kill --kill-whom=all --signal=SIGKILL "$UNIT" 2>/dev/null || true
  fi
  # Units the agent made for its services (the systemd runtime): sysward-NAME.service.
  for f in "$unit_dir"/sysward-*.service; do
    [ -e "$f" ] || continue
    name=${f##*/}
    [ "$name" = "$UNIT" ] && continue
    systemctl disable --now "$name" >/dev/null 2>&1 || true
    rm -f "$f"
  done
  rm -f "$unit_dir/$UNIT"
  systemctl daemon-reload 2>/dev/null || true
  rm -rf "$prefix" "$prefix.new"
  if [ "$purge" = 1 ]; then
    rm -rf "$data" "$settings"
    say "removed the agent, its services and its data ($data)"
  else
    say "removed the agent and its services; its data stays in $data (--purge deletes it; installing again keeps its enrollment)"
  fi
  exit 0
fi

# ---- what to download ----------------------------------------------------------------------------
[ -n "$console" ] || die "--console URL is required (the console's Add machine command has it)"
case $console in
  https://*) scheme=https ;;
  http://*) scheme=http ;;
  *) die "--console $console must be an http:// or https:// URL" ;;
esac
hostport=${console#*://}
hostport=${hostport%%/*}
case $hostport in
  \[*) host=${hostport%%]*}; host=${host#[} ;;
  *) host=${hostport%%:*} ;;
esac

if command -v curl >/dev/null 2>&1; then
  fetch() { curl -fsSL --proto '=http,https' ${cacert:+--cacert "$cacert"} -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
  fetch() { wget -q ${cacert:+--ca-certificate="$cacert"} -O "$2" "$1"; }
else
  die "neither curl nor wget is installed: install one (Debian: apt-get install curl)"
fi

if [ -n "$sha256" ] || [ -n "$version" ]; then
  [ -n "$sha256" ] && [ -n "$version" ] || die "--version and --sha256 go together"
else
  [ "$scheme" = https ] || die "$console is plain http: give --version and --sha256 (the console's command carries them), so what is downloaded can be checked"
fi
case $sha256 in *[!0-9a-f]*) die "--sha256 must be 64 lowercase hex digits" ;; esac

mkdir -p "${prefix%/*}"
tmp=$(mktemp -d "${prefix%/*}/.sysward-install.XXXXXX")
# Whatever stops the script, an install moved aside is put back before the temp dir goes.
cleanup() {
  if [ ! -d "$prefix" ] && [ -d "$tmp/previous" ]; then mv "$tmp/previous" "$prefix"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "$sha256" ]; then
  fetch "$console/downloads/sysward-agent-$PLATFORM.sha256" "$tmp/current.sha256" || die "download failed: $console/downloads/sysward-agent-$PLATFORM.sha256 (is $console the Sysward console, and does it serve an agent artifact?)"
  read -r sha256 file <"$tmp/current.sha256" || true
  version=${file#sysward-agent-}
  version=${version%-"$PLATFORM".tar.gz}
fi
file=sysward-agent-$version-$PLATFORM.tar.gz
case $version in '' | *[!0-9A-Za-z.-]*) die "the console named no valid artifact version (${version:-none})" ;; esac
[ ${#sha256} = 64 ] || die "no valid sha256 for $file"

say "downloading $console/downloads/$file"
fetch "$console/downloads/$file" "$tmp/$file" || die "download failed: $console/downloads/$file (the console may serve a newer version now: get a fresh command from its Add machine)"
actual=$(sha256sum "$tmp/$file" | cut -d' ' -f1)
[ "$actual" = "$sha256" ] || die "sha256 mismatch for $file: downloaded $actual, expected $sha256: not installing (a broken download, or someone in between)"

mkdir "$tmp/unpack"
tar -xzf "$tmp/$file" -C "$tmp/unpack" || die "could not unpack $file"
new=$tmp/unpack/sysward-agent-$version
[ -f "$new/VERSION" ] && [ -x "$new/bin/sysward-agent" ] || die "$file does not hold sysward-agent-$version/{VERSION,bin/sysward-agent}"
"$new/node/bin/node" --version >/dev/null 2>&1 || die "the agent's bundled Node does not run on this host (it needs glibc 2.28 or newer): $("$new/node/bin/node" --version 2>&1 | head -n 3)"

# ---- the console's https certificate, for the agent ----------------------------------------------
# The agent's own Node trusts only its built-in CA list, not this host's: over https it is given what
# curl trusted here (--cacert FILE, else the system's bundle), to enrol and for its later calls to
# the console (revocation lists, certificate renewal).
extra_ca=''
if [ "$scheme" = https ]; then
  if [ -n "$cacert" ]; then
    mkdir -p "$settings"
    cp "$cacert" "$settings/console-ca.pem.tmp" && chmod 0644 "$settings/console-ca.pem.tmp" && mv "$settings/console-ca.pem.tmp" "$settings/console-ca.pem"
    extra_ca=$settings/console-ca.pem
  elif [ -r /etc/ssl/certs/ca-certificates.crt ]; then
    extra_ca=/etc/ssl/certs/ca-certificates.crt
  fi
fi

# ---- install in place ----------------------------------------------------------------------------
write_unit() {
  mkdir -p "$unit_dir"
  sed "s#/opt/sysward/#$prefix/#g" "$prefix/systemd/$([ "$user_mode" = 1 ] && echo user || echo system)/$UNIT" |
    awk -v ca="$extra_ca" '{ print } /^\[Service\]$/ && ca != "" { print "Environment=NODE_EXTRA_CA_CERTS=" ca }' >"$unit_dir/$UNIT.tmp"
  chmod 0644 "$unit_dir/$UNIT.tmp"
  mv "$unit_dir/$UNIT.tmp" "$unit_dir/$UNIT"
  systemctl daemon-reload
}

# Answers once its socket serves /debug/vars for its token (the bundled Node speaks HTTP/2; curl or
# wget may not).
agent_answers() {
  "$prefix/node/bin/node" -e '
    const [sock, tokenFile] = process.argv.slice(1);
    const fail = () => process.exit(1);
    setTimeout(fail, 3000).unref();
    const s = require("node:http2").connect("http://localhost", { createConnection: () => require("node:net").connect(sock) });
    s.on("error", fail);
    const token = require("node:fs").readFileSync(tokenFile, "utf8").trim();
    const r = s.request({ ":path": "/debug/vars", authorization: "Bearer " + token });
    r.on("response", (h) => process.exit(h[":status"] === 200 ? 0 : 1));
    r.on("error", fail);
    r.end();' "$data/agent.sock" "$data/agent.token" >/dev/null 2>&1
}

# Waits until the agent answers. A crash meanwhile (systemd restarting it, or giving up) or --wait
# seconds without an answer is a failure, said in $why.
wait_up() {
  restarts=$(systemctl show -P NRestarts "$UNIT" 2>/dev/null || echo 0)
  i=0
  until systemctl is-active --quiet "$UNIT" && agent_answers; do
    i=$((i + 1))
    # Exited and waiting to be restarted, or given up on.
    case $(systemctl show -P ActiveState "$UNIT" 2>/dev/null || true)/$(systemctl show -P SubState "$UNIT" 2>/dev/null || true) in
      failed/* | */auto-restart) why="it exited at start"; return 1 ;;
    esac
    [ "$(systemctl show -P NRestarts "$UNIT" 2>/dev/null || echo 0)" = "$restarts" ] || { why="it exited at start"; return 1; }
    [ "$i" -lt $((wait * 2)) ] || { why="it did not answer on $data/agent.sock within $wait s"; return 1; }
    sleep 0.5
  done
}

previous=''
[ -f "$prefix/VERSION" ] && previous=$(cat "$prefix/VERSION")
# Stopping the agent leaves its services running (KillMode=process); it comes back on the new files.
if systemctl is-active --quiet "$UNIT" 2>/dev/null; then systemctl stop "$UNIT"; fi
[ -d "$prefix" ] && mv "$prefix" "$tmp/previous"
mv "$new" "$prefix"
write_unit

if [ "$user_mode" = 1 ]; then
  me=$(id -un)
  if [ "$(loginctl show-user "$me" -P Linger 2>/dev/null)" != yes ]; then
    loginctl enable-linger "$me" 2>/dev/null || say "warning: could not enable lingering for $me: the agent runs only while $me is logged in (ask root for: loginctl enable-linger $me)"
  fi
fi

# ---- enrol (once: an enrolled data dir keeps its enrollment across upgrades) ---------------------
enrolled=''
if [ -f "$data/listen.json" ]; then
  enrolled=kept
  [ -z "$token" ] || say "this host is enrolled already ($data/listen.json): keeping that enrollment; the token in this command stays unused"
elif [ -n "$token" ]; then
  if [ -z "$listen" ]; then
    src=''
    if command -v ip >/dev/null 2>&1; then
      src=$(ip -o route get "$host" 2>/dev/null | sed -n 's/.* src \([^ ]*\).*/\1/p' | head -n 1)
    fi
    [ -n "$src" ] || src=$(hostname -I 2>/dev/null | cut -d' ' -f1)
    [ -n "$src" ] || die "could not tell this host's address toward $host: give --listen host:port"
    case $src in *:*) listen="[$src]:7443" ;; *) listen="$src:7443" ;; esac
  fi
  set -- enroll "$console" "$token" --listen "$listen"
  [ -z "$address" ] || set -- "$@" --address "$address"
  [ -z "$ca" ] || set -- "$@" --ca-sha256 "$ca"
  [ "$insecure_http" = 0 ] || set -- "$@" --insecure-http
  say "enrolling with $console (listening on $listen)"
  mkdir -p "$data"
  chmod 0700 "$data"
  env SYSWARD_DATA_DIR="$data" ${extra_ca:+"NODE_EXTRA_CA_CERTS=$extra_ca"} "$prefix/bin/sysward-agent" "$@" || die "enrolling with $console failed (above). The agent is installed but not enrolled: ask the console for a new command and run it again"
  enrolled=new
fi

systemctl enable "$UNIT" >/dev/null 2>&1
systemctl restart "$UNIT"
v=$(cat "$prefix/VERSION")
if ! wait_up; then
  log=$(journal)
  [ -n "$previous" ] || die "$UNIT did not come up: $why; its log:
$log"
  # The upgrade failed: the previous install comes back as it was, on the same data.
  say "the new agent $v did not come up: $why; rolling back to $previous"
  systemctl stop "$UNIT" 2>/dev/null || true
  mv "$prefix" "$tmp/failed"
  mv "$tmp/previous" "$prefix"
  write_unit
  systemctl restart "$UNIT"
  failed_why=$why
  wait_up || die "upgrading to $v failed ($failed_why), and $previous did not come back either: $why; its log:
$(journal)"
  die "upgrading to $v failed: $failed_why. Rolled back: $previous is running again in $prefix (data: $data). The new agent's log:
$log"
fi
if [ -n "$previous" ]; then what="upgraded from $previous to $v"; else what="installed $v"; fi
say "$what in $prefix (data: $data); $UNIT is running"
case $enrolled in
  new) say "enrolled with $console: the machine appears in its fleet once the console reaches it on $listen" ;;
  kept) say "enrollment kept: the console reaches it as before" ;;
  *) say "not enrolled: run this again with the --token and --ca-sha256 the console's Add machine shows" ;;
esac
}
