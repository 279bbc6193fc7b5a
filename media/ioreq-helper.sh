# IOREQ Scope live helper (document version 1). POSIX sh.
#
# Piped to a Xen dom0 over ssh on standard input (`ssh HOST /bin/sh -s`): nothing is copied to or left on the host,
# no temporary file is written. It only reads, and prints ONE JSON document on standard output:
#   {"ioreqScopeHelper": 1, "host": {...}, "sections": {"xen", "domains", "deviceModels", "evtchns", "params",
#    "console"}}
# Each section is an object of captures {"cmd", "rc", "out", "truncated"} or {"error": "..."}, so a missing or
# failing tool costs only its own section. Tool output is shipped as text; the client (src/live/parse.ts) parses it.
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
# one after another, each once, as before; around them only builtins run, and the whole document (escaping, the
# grep-like filters, truncation) is made by ONE od | awk pipeline that reads a stream of frames (see enc below).

LC_ALL=C
export LC_ALL
umask 077
# The caller's PATH first (stand-ins in tests come from there), then where dom0 keeps Xen's tools.
PATH="${PATH:-/usr/bin:/bin}:/usr/local/sbin:/usr/sbin:/sbin:/usr/lib/xen/bin:/usr/libexec/xen/bin"
for d in /usr/lib/xen-*/bin; do [ -d "$d" ] && PATH="$PATH:$d"; done
export PATH

CAP=2097152          # bytes kept of one tool's output
TOOL_TIMEOUT=20      # seconds for one tool that can block, where coreutils' timeout exists
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
#   O  a tool's output: a JSON string of its first CAP bytes (after G/I/T), then ,"truncated":true|false.
# The output is flushed after each O frame, so a client sees a document grow while the tools run.
enc() {
  od -An -v -tu1 | awk -v cap="$1" '
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
          if (ty == "S" || ty == "L" || ty == "O") { s = s "\""; nl = 0; n = 0; tr = 0; ln = "" }
        } else if (b == 0) {
          if (ty == "S" || ty == "L") s = s "\""
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
        else if (ty == "J") s = s c[b]
        else if (ty == "S") s = s e[b]
        else if (ty == "L") { if (b == 10) nl++; else { for (; nl > 0; nl--) s = s "\\n"; s = s e[b] } }
        else p = p c[b]
      }
      printf "%s", s
    }'
}

has() { command -v "$1" >/dev/null 2>&1; }

# t CMD ARGS...: a tool that can block (xl waits on libxl's locks and xenstored, xenstore-ls on xenstored, ps on
# a process stuck in the kernel), under a time limit where coreutils' timeout exists. lsevtchn only makes
# hypercalls and runs without one (a timeout costs a process per call, and there is one call per domain).
t() {
  if [ -n "$HAVE_TIMEOUT" ]; then timeout "$TOOL_TIMEOUT" "$@"; else "$@"; fi
}
HAVE_TIMEOUT=
has timeout && HAVE_TIMEOUT=1

# Tools run with stdin from /dev/null (the helper itself arrives on stdin: a tool that read it would eat the rest
# of the script) and stderr discarded. Their output is held in a variable; a sentinel keeps trailing newlines and
# carries the exit status: "OUTPUTx<rc>".

# emit LABEL OUT_WITH_SENTINEL: the frames of {"cmd": LABEL, "rc": N, "out": "...", "truncated": B}.
emit() { printf 'J{"cmd":\0S%s\0J,"rc":%s,"out":\0O%s\0J}\0' "$1" "${2##*x}" "${2%x*}"; }

# capture LABEL CMD ARGS...: runs the command and emits its capture.
capture() {
  label=$1; shift
  out=$("$@" </dev/null 2>/dev/null; printf 'x%d' "$?")
  emit "$label" "$out"
}

err_obj() { printf 'J{"error":\0S%s\0J}\0' "$1"; }

# host VALUE-TOOL ARGS...: the tool's output, streamed as an L frame (these print no NUL).
host() { printf 'L'; "$@" </dev/null 2>/dev/null; printf '\0'; }

frames() {
  # Domain ids from `xl list` (second column of every row after the header), digits only, at most 4096.
  DOMIDS=
  XL_LIST=
  if has xl; then
    XL_LIST=$(t xl list </dev/null 2>/dev/null; printf 'x%d' "$?")
    if [ "${XL_LIST##*x}" = 0 ]; then
      rows=${XL_LIST%x*}
      case $rows in *"$NL"*) rows=${rows#*"$NL"} ;; *) rows= ;; esac
      set -f; n=0
      IFS=$NL
      for row in $rows; do
        IFS=' 	'
        set -- $row
        case $2 in ''|*[!0-9]*) continue ;; esac
        [ "${#2}" -lt 6 ] || continue
        DOMIDS="$DOMIDS $2"; n=$((n + 1))
        [ "$n" -lt 4096 ] || break
      done
      unset IFS; set +f
    fi
  fi

  printf 'J{"ioreqScopeHelper":1,"host":{"hostname":\0'; host uname -n
  printf 'J,"kernel":\0'; host uname -sr
  printf 'J,"user":\0'; host id -un
  printf 'J,"time":\0'; host date -u '+%Y-%m-%dT%H:%M:%SZ'
  printf 'J},"sections":{\0'

  # xen: versions of Xen and of the toolstack (xl info prints xen_version and the xl build's cc_* lines).
  printf 'J"xen":\0'
  if has xl; then printf 'J{"info":\0'; capture 'xl info' t xl info; printf 'J}\0'
  else err_obj 'xl not found on PATH (is this a Xen dom0 with the xl toolstack?)'; fi

  # domains: xl list (text: ids, names, vcpus, state) and xl list -l (JSON with c_info.type, b_info.max_vcpus).
  printf 'J,"domains":\0'
  if has xl; then
    printf 'J{"list":\0'; emit 'xl list' "$XL_LIST"
    printf 'J,"long":\0'; capture 'xl list -l' t xl list -l
    printf 'J}\0'
  else err_obj 'xl not found on PATH'; fi

  # deviceModels: libxl's xenstore nodes for each device model, and the processes (qemu, demu, varstored).
  printf 'J,"deviceModels":{"xenstore":\0'
  if has xenstore-ls; then capture 'xenstore-ls -f /local/domain/0/device-model' t xenstore-ls -f /local/domain/0/device-model
  else err_obj 'xenstore-ls not found on PATH'; fi
  printf 'J,"ps":\0'
  if has ps; then
    printf 'Gqemu|xen-domid|demu|varstored\0'
    capture 'ps -e -o pid= -o args=' t ps -e -o pid= -o args=
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
  # create an ioreq server). What libxl recorded in xenstore is read instead: store and console ports, ring-refs.
  printf 'J,"params":\0'
  if has xenstore-ls; then
    printf 'J{"note":\0S%s\0J,"perDomain":[\0' 'HVM params are not read from Xen: no stock tool reads them without side effects (HVMOP_get_param of IOREQ_PFN, BUFIOREQ_PFN or BUFIOREQ_EVTCHN creates an ioreq server). STORE_PFN, STORE_EVTCHN, CONSOLE_PFN and CONSOLE_EVTCHN come from the values libxl wrote to xenstore.'
    sep=
    for id in $DOMIDS; do
      printf 'J%s{"domid":%s,"xenstore":\0G^/local/domain/%s/(store|console)/(port|ring-ref) = \0' "$sep" "$id" "$id"
      capture "xenstore-ls -f /local/domain/$id" t xenstore-ls -f "/local/domain/$id"
      printf 'J}\0'
      sep=,
    done
    printf 'J]}\0'
  else err_obj 'xenstore-ls not found on PATH'; fi

  # console: the hypervisor console ring, read without clearing it, lines about ioreq servers only (last 500).
  printf 'J,"console":\0'
  if has xl; then
    printf 'J{"dmesg":\0Iioreq\0T500\0'
    capture 'xl dmesg | grep -i ioreq' t xl dmesg
    printf 'J}\0'
  else err_obj 'xl not found on PATH'; fi

  printf 'J}}\n\0'
}

frames | enc "$CAP"
