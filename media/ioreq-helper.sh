# IOREQ Scope live helper (document version 1). POSIX sh.
#
# Piped to a Xen dom0 over ssh on standard input (`ssh HOST /bin/sh -s -- DEADLINE MARK`): nothing is copied to or
# left on the host, no temporary file is written. It only reads, and prints ONE JSON document on standard output:
#   {"ioreqScopeHelper": 1, "host": {...}, "sections": {"xen", "domains", "deviceModels", "evtchns", "params",
#    "console"}}
# Each section is an object of captures {"cmd", "err", "rc", "out", "truncated"} or {"error": "..."}, so a missing or
# failing tool costs only its own section; "err" is the tool's standard error (first ERRCAP bytes). Tool output is
# shipped as text; the client (src/live/parse.ts) parses it.
#
# Arguments (all optional; the client always passes the first two):
#   DEADLINE  seconds. The helper then ends itself and everything it started (kill of its process group, which
#             sshd made a session of its own) when the deadline passes OR when its standard input reaches end of
#             file: the client keeps stdin open while it waits, so EOF means the ssh session went away (a timeout,
#             a cancellation, a dropped connection). Every tool also runs under timeout(1) (TOOL_TIMEOUT).
#   MARK      letters and digits. The document is framed by the lines "IOREQ-SCOPE-BEGIN MARK" and
#             "IOREQ-SCOPE-END MARK", so a banner that a login shell prints before it is told apart.
#   BOOT      the host's boot id (/proc/sys/kernel/random/boot_id) the client read in an earlier snapshot, with
#             that snapshot's `xl info` kept. When the host still runs that boot, `xl info` is not run again: the
#             hypervisor's version, build and capabilities are fixed for a boot. The xen section then says
#             {"reused": true} and the client shows the earlier read, with its time. Hex digits and '-' only.
#   TIMEOUT   "1" when, in that boot, timeout --foreground worked: it is then not tried again (host.timeout says
#             whether it was used).
#
# Never run here, because each has a side effect on the host (docs/xen-ioreq.md section 7):
#   - the console ring is read WITHOUT the clear flag (that flag empties Xen's ring);
#   - no debug keys are sent (they act on Xen and write to its console);
#   - no HVM context dump (XEN_DOMCTL_gethvmcontext pauses the domain);
#   - no HVMOP_get_param of IOREQ_PFN, BUFIOREQ_PFN or BUFIOREQ_EVTCHN (under the seed and Xen 4.5 that read
#     creates an ioreq server). Stock Xen has no command-line tool that reads HVM params at all, so the params
#     section reports the values libxl recorded in xenstore (store/console port and ring-ref) and says so.
#   - nothing that writes xenstore, and no domain operation.
#
# Speed: a snapshot's repeat time is mostly this script, so it starts as few processes as it can. The Xen tools run
# one after another, each once; around them only builtins run, and the whole document (escaping, the grep-like
# filters, truncation) is made by ONE od | awk pipeline that reads a stream of frames (see enc below).

LC_ALL=C
export LC_ALL
umask 077
# The caller's PATH first (stand-ins in tests come from there), then where dom0 keeps Xen's tools.
PATH="${PATH:-/usr/bin:/bin}:/usr/local/sbin:/usr/sbin:/sbin:/usr/lib/xen/bin:/usr/libexec/xen/bin"
for d in /usr/lib/xen-*/bin; do [ -d "$d" ] && PATH="$PATH:$d"; done
export PATH

CAP=16777216         # bytes kept of one tool's output (16 MiB; a cut is reported as "truncated", never silent)
ERRCAP=4096          # bytes kept of one tool's standard error
DEADLINE=${1:-}
MARK=${2:-}
case $DEADLINE in *[!0-9]*) DEADLINE= ;; esac
case $MARK in *[!A-Za-z0-9]*) MARK= ;; esac
KNOWN_BOOT=${3:-}
case $KNOWN_BOOT in *[!0-9a-f-]*) KNOWN_BOOT= ;; esac
[ "${#KNOWN_BOOT}" -le 64 ] || KNOWN_BOOT=
# This boot's id, read with a builtin (no process; every Linux since 2.6 has it).
BOOT=
{ IFS= read -r BOOT; } 2>/dev/null </proc/sys/kernel/random/boot_id
case $BOOT in *[!0-9a-f-]*) BOOT= ;; esac
[ "${#BOOT}" -le 64 ] || BOOT=
SAME_BOOT=
[ -n "$BOOT" ] && [ "$BOOT" = "$KNOWN_BOOT" ] && SAME_BOOT=1
TIMEOUT_OK=${4:-}
[ "${#DEADLINE}" -lt 6 ] || DEADLINE=99999
TOOL_TIMEOUT=20      # seconds for one tool (xl waits on libxl's locks and xenstored, ps on a process in the kernel)
# With a short deadline, one blocked tool may take half of it: the other tools still get their turn.
if [ -n "$DEADLINE" ] && [ "$DEADLINE" -lt 40 ]; then TOOL_TIMEOUT=$((DEADLINE > 3 ? DEADLINE / 2 : 1)); fi
NL='
'

# enc CAP: standard input, a stream of frames -> the JSON document on standard output. A frame is one type byte,
# its payload and a NUL. Payloads come from shell variables and a few host-name tools, so they never hold a NUL
# (a shell drops NUL bytes from a command substitution, as the helper always did). od numbers the bytes so awk
# never sees a raw control character. Frame types:
#   J  JSON text written by this script, copied as it is;
#   S  a string: printed as a JSON string literal. Every byte is kept: '"' and '\' are escaped, control characters
#      become \b, \t, \n, \f, \r or \u00XX; bytes >= 0x80 pass through (the client decodes UTF-8);
#   L  the same, without trailing newlines (the value of a command substitution);
#   G  an extended regular expression: only the lines of the next O frame that match it are kept (as grep -E);
#   I  the same, matched against the line in lower case (as grep -i);
#   T  a number N: only the last N kept lines of the next O frame are kept (as tail -n N);
#   O  a tool's output: a JSON string of its first CAP bytes (after G/I/T), then ,"truncated":true|false;
#   E  a tool's standard error, streamed straight from the tool: a JSON string of its first ERRCAP bytes (a cut
#      is said in the string). Tools print C strings there, so no NUL ends the frame early.
# The output is flushed after each O frame, so a client sees a document grow while the tools run.
enc() {
  od -An -v -tu1 | awk -v cap="$1" -v ecap="$ERRCAP" '
    BEGIN {
      for (i = 1; i < 256; i++) { c[i] = sprintf("%c", i); e[i] = c[i]; o[c[i]] = i }
      for (i = 1; i < 32; i++) e[i] = sprintf("\\u%04x", i)
      e[127] = "\\u007f"; e[8] = "\\b"; e[9] = "\\t"; e[10] = "\\n"; e[12] = "\\f"; e[13] = "\\r"
      e[34] = "\\\""; e[92] = "\\\\"
      ty = ""; flt = 0; ci = 0; tl = 0
    }
    # put X: the raw bytes X escaped onto s, within the cap.
    function put(x,   k, m) {
      m = length(x)
      for (k = 1; k <= m; k++) { if (++n > cap) { tr = 1; return } s = s e[o[substr(x, k, 1)]] }
    }
    # line L: one line of a filtered O frame (without its newline).
    function line(l) {
      if (!((ci ? tolower(l) : l) ~ re)) return
      if (tl > 0) ring[nk++ % tl] = l
      else put(l "\n")
    }
    {
      s = ""
      for (i = 1; i <= NF; i++) {
        b = $i + 0
        if (ty == "") {
          ty = c[b]; p = ""
          if (ty == "S" || ty == "L" || ty == "O" || ty == "E") { s = s "\""; nl = 0; n = 0; tr = 0; ln = "" }
        } else if (b == 0) {
          if (ty == "S" || ty == "L") s = s "\""
          else if (ty == "E") s = s (tr ? "\\n[standard error cut after " ecap " bytes]" : "") "\""
          else if (ty == "O") {
            if (flt) {
              if (ln != "") line(ln)
              if (tl > 0) for (k = (nk > tl ? nk - tl : 0); k < nk; k++) put(ring[k % tl] "\n")
            }
            s = s "\",\"truncated\":" (tr ? "true" : "false")
            printf "%s", s; s = ""; fflush()
            flt = 0; ci = 0; tl = 0; nk = 0; split("", ring)
          }
          else if (ty == "G" || ty == "I") { re = p; flt = 1; ci = (ty == "I") }
          else if (ty == "T") tl = p + 0
          ty = ""
        }
        else if (ty == "O") {
          if (flt) { if (b == 10) { line(ln); ln = "" } else ln = ln c[b] }
          else if (++n <= cap) s = s e[b]
          else tr = 1
        }
        else if (ty == "E") { if (++n <= ecap) s = s e[b]; else tr = 1 }
        else if (ty == "J") s = s c[b]
        else if (ty == "S") s = s e[b]
        else if (ty == "L") { if (b == 10) nl++; else { for (; nl > 0; nl--) s = s "\\n"; s = s e[b] } }
        else p = p c[b]
      }
      printf "%s", s
    }'
}

has() { command -v "$1" >/dev/null 2>&1; }

HAVE_TIMEOUT=
# Within the boot the client last saw timeout(1) work in (TIMEOUT_OK), it is not tried again while it is still on
# PATH; otherwise one try.
if [ -n "$SAME_BOOT" ] && [ "$TIMEOUT_OK" = 1 ] && has timeout; then HAVE_TIMEOUT=1
else timeout --foreground 5 true </dev/null >/dev/null 2>&1 && HAVE_TIMEOUT=1; fi

# Tools run with stdin from /dev/null (the helper itself arrives on stdin: a tool that read it would eat the rest
# of the script) and their stderr streamed into an E frame. Their output is held in a variable (a command
# substitution: NUL bytes and trailing newlines are dropped), and $? after it is the tool's exit status.
#
# Each tool runs under a time limit: `timeout --foreground` keeps the tool in this process group, so the group kill
# below reaches it too (plain timeout(1) makes a group of its own). Without it (no coreutils, or a timeout without
# --foreground) the helper's own deadline is the tool's limit. The command substitution's subshell has one simple
# command to run, so the shell execs it (timeout, or the tool itself) instead of forking again: one process fewer
# per tool than a function or a second command in the substitution would cost.

# capture LABEL CMD ARGS...: runs the command under the time limit, emits {"cmd": LABEL, "err": "...", "rc": N,
# "out": "...", "truncated": B}, and leaves the output in $out and the exit status in $rc. fd 5 is the frame stream.
capture() {
  label=$1; shift
  printf 'J{"cmd":\0S%s\0J,"err":\0E' "$label"
  if [ -n "$HAVE_TIMEOUT" ]; then out=$(exec timeout --foreground "$TOOL_TIMEOUT" "$@" </dev/null 2>&5)
  else out=$(exec "$@" </dev/null 2>&5); fi
  rc=$?
  printf '\0J,"rc":%s,"out":\0O%s\0J}\0' "$rc" "$out"
}

err_obj() { printf 'J{"error":\0S%s\0J}\0' "$1"; }

# host VALUE-TOOL ARGS...: the tool's output, streamed as an L frame (these print no NUL).
host() { printf 'L'; "$@" </dev/null 2>/dev/null; printf '\0'; }
# kernel_file NAME: /proc/sys/kernel/NAME's first line into $kv, with a builtin (no process); false when unreadable.
kernel_file() {
  kv=
  { IFS= read -r kv; } 2>/dev/null </proc/sys/kernel/"$1" && [ -n "$kv" ]
}

# Domain ids, picked as the client's parser picks them (src/live/parse.ts): the id column of each `xl list` row,
# counted from the right (a name may hold spaces: "name id mem vcpus state time"), then each top-level "domid" of
# `xl list -l` not seen yet (xl prints it at 8 spaces of indentation). Digits only, at most 4096.
DOMIDS=
NIDS=0
add_id() {
  case $1 in ''|*[!0-9]*) return ;; esac
  [ "${#1}" -lt 6 ] || return
  [ "$NIDS" -lt 4096 ] || return
  case "$DOMIDS " in *" $1 "*) return ;; esac
  DOMIDS="$DOMIDS $1"; NIDS=$((NIDS + 1))
}
ids_from_list() {
  rows=$1
  case $rows in *"$NL"*) rows=${rows#*"$NL"} ;; *) rows= ;; esac
  set -f
  IFS=$NL
  for row in $rows; do
    IFS=' 	'
    set -- $row
    [ "$#" -ge 6 ] || continue
    eval "add_id \"\${$(($# - 4))}\""
  done
  unset IFS; set +f
}
ids_from_long() {
  set -f
  IFS=$NL
  for l in $1; do
    case $l in '        "domid": '*) l=${l#'        "domid": '}; add_id "${l%,}" ;; esac
  done
  unset IFS; set +f
}

frames() {
  exec 5>&1
  # The host name and kernel as uname prints them, from /proc/sys/kernel (no process) where it is readable.
  printf 'J{"ioreqScopeHelper":1,"host":{"hostname":\0'
  if kernel_file hostname; then printf 'S%s\0' "$kv"; else host uname -n; fi
  printf 'J,"kernel":\0'
  if kernel_file ostype && os=$kv && kernel_file osrelease; then printf 'S%s %s\0' "$os" "$kv"; else host uname -sr; fi
  printf 'J,"boot":\0S%s\0J,"timeout":\0S%s\0' "$BOOT" "$HAVE_TIMEOUT"
  # The effective uid from this shell's /proc/self/status ("Uid: real effective saved fs") and its name from
  # /etc/passwd, with builtins (no process); where either is not found (no /proc, a name from NSS such as LDAP),
  # one id(1) for both: POSIX prints "uid=N(name) gid=..." (no "(name)" when the uid has no name).
  uid=; un=
  { while IFS=' 	' read -r k _ e _; do [ "$k" = Uid: ] && { uid=$e; break; }; done; } 2>/dev/null </proc/self/status
  case $uid in *[!0-9]*) uid= ;; esac
  if [ -n "$uid" ]; then
    { while IFS=: read -r n _ u _; do [ "$u" = "$uid" ] && { un=$n; break; }; done; } 2>/dev/null </etc/passwd
  fi
  if [ -z "$uid" ] || [ -z "$un" ]; then
    ids=$(id </dev/null 2>/dev/null)
    uid=${ids#uid=}; uid=${uid%%[!0-9]*}
    case $ids in "uid=$uid("*) un=${ids#"uid=$uid("}; un=${un%%")"*} ;; *) un= ;; esac
  fi
  printf 'J,"user":\0S%s\0J,"uid":\0S%s\0' "$un" "$uid"
  printf 'J,"time":\0'; host date -u '+%Y-%m-%dT%H:%M:%SZ'
  printf 'J},"sections":{\0'

  # xen: versions of Xen and of the toolstack (xl info prints xen_version and the xl build's cc_* lines).
  printf 'J"xen":\0'
  if [ -n "$SAME_BOOT" ]; then printf 'J{"reused":true}\0'
  elif has xl; then printf 'J{"info":\0'; capture 'xl info' xl info; printf 'J}\0'
  else err_obj 'xl not found on PATH (is this a Xen dom0 with the xl toolstack?)'; fi

  # domains: xl list (text: ids, names, vcpus, state) and xl list -l (JSON with c_info.type, b_info.max_vcpus).
  printf 'J,"domains":\0'
  if has xl; then
    printf 'J{"list":\0'; capture 'xl list' xl list
    [ "$rc" = 0 ] && ids_from_list "$out"
    printf 'J,"long":\0'; capture 'xl list -l' xl list -l
    [ "$rc" = 0 ] && ids_from_long "$out"
    out=
    printf 'J}\0'
  else err_obj 'xl not found on PATH'; fi

  # deviceModels: libxl's xenstore nodes for each device model, and the processes (qemu, qemu-dm, demu,
  # varstored).
  # One `xenstore-ls -f /local/domain` serves both this section (the lines under /local/domain/0/device-model) and
  # the params section below: its output is kept in XS (its status in XSRC) and, when it succeeded, sent again there.
  printf 'J,"deviceModels":{"xenstore":\0'
  XS=; XSRC=
  if has xenstore-ls; then
    printf 'G^/local/domain/0/device-model( |/)\0'
    capture 'xenstore-ls -f /local/domain' xenstore-ls -f /local/domain
    XS=$out; XSRC=$rc; out=
  else err_obj 'xenstore-ls not found on PATH'; fi
  printf 'J,"ps":\0'
  if has ps; then
    printf 'Gqemu|xen-domid|demu|varstored\0'
    capture 'ps -e -o pid= -o args=' ps -e -o pid= -o args=
  else err_obj 'ps not found on PATH'; fi
  printf 'J}\0'

  # evtchns: lsevtchn (tools/xcutils) walks EVTCHNOP_status, which only reads. Without it there is no read-only
  # tool: the other way, the 'e' debug key, acts on Xen and writes to its console ring, so it is never used.
  printf 'J,"evtchns":\0'
  if has lsevtchn; then
    printf 'J{"perDomain":[\0'
    sep=
    for id in $DOMIDS; do
      printf 'J%s{"domid":%s,"lsevtchn":\0' "$sep" "$id"; capture "lsevtchn $id" lsevtchn "$id"; printf 'J}\0'
      sep=,
    done
    printf 'J]}\0'
  else
    err_obj 'no read-only tool for event channels on this host: lsevtchn (from Xen tools/xcutils) is not installed; the debug-key dump is not used because it acts on Xen and writes to the console ring'
  fi

  # params: no stock tool reads HVM params without side effects (IOREQ_PFN, BUFIOREQ_PFN and BUFIOREQ_EVTCHN would
  # create an ioreq server). What libxl recorded in xenstore is read instead: store and console ports, ring-refs,
  # and where the device model runs (image/device-model-pid, image/device-model-domid; a stub domain's target).
  # One xenstore-ls for every domain, filtered here to those nodes (one process, not one per domain).
  printf 'J,"params":\0'
  if has xenstore-ls; then
    printf 'J{"note":\0S%s\0J,"xenstore":\0G^/local/domain/[0-9]+/((store|console)/(port|ring-ref)|image/device-model-(pid|domid)|target) = \0' 'HVM params are not read from Xen: no stock tool reads them without side effects (HVMOP_get_param of IOREQ_PFN, BUFIOREQ_PFN or BUFIOREQ_EVTCHN creates an ioreq server). STORE_PFN, STORE_EVTCHN, CONSOLE_PFN and CONSOLE_EVTCHN come from the values libxl wrote to xenstore.'
    # The run above, when it succeeded (its stderr went with it there); after a failure, run again so this section
    # carries its own stderr.
    if [ "$XSRC" = 0 ]; then printf 'J{"cmd":\0S%s\0J,"err":"","rc":0,"out":\0O%s\0J}\0' 'xenstore-ls -f /local/domain' "$XS"
    else capture 'xenstore-ls -f /local/domain' xenstore-ls -f /local/domain; fi
    XS=
    printf 'J}\0'
  else err_obj 'xenstore-ls not found on PATH'; fi

  # console: the hypervisor console ring, read without clearing it, lines about ioreq servers only (last 500).
  printf 'J,"console":\0'
  if has xl; then
    printf 'J{"dmesg":\0Iioreq\0T500\0'
    capture 'xl dmesg | grep -i ioreq' xl dmesg
    printf 'J}\0'
  else err_obj 'xl not found on PATH'; fi

  printf 'J}}\n\0'
}

# watchdog (in the background, stdin of the session on fd 3): waits for the deadline or for EOF on the session's
# stdin, whichever comes first, then ends every process of this session's process group (sshd runs each session
# in a session of its own, setsid(2) in session.c do_exec_no_pty): TERM, and KILL a second later. A USR1 from the
# helper (its document is complete) ends the watch quietly.
watchdog() {
  sleep "$DEADLINE" </dev/null &
  sp=$!
  ( while IFS= read -r _; do :; done; kill "$sp" 2>/dev/null ) <&3 &
  rp=$!
  exec 3<&-
  trap 'kill "$sp" "$rp" 2>/dev/null; exit 0' USR1
  wait "$sp"
  kill "$rp" 2>/dev/null
  trap '' TERM
  kill -TERM 0 2>/dev/null
  sleep 1
  kill -KILL 0 2>/dev/null
}

helper_main() {
  wd=
  if [ -n "$DEADLINE" ]; then
    exec 3<&0
    trap '' USR1
    watchdog >/dev/null 2>&1 &
    wd=$!
    exec 3<&-
  fi
  [ -n "$MARK" ] && printf '\nIOREQ-SCOPE-BEGIN %s\n' "$MARK"
  frames | enc "$CAP"
  [ -n "$MARK" ] && printf 'IOREQ-SCOPE-END %s\n' "$MARK"
  [ -n "$wd" ] && kill -USR1 "$wd" 2>/dev/null
  return 0
}

# One line: the shell has read the whole script before any of it runs, and never reads its stdin again.
helper_main; exit 0
