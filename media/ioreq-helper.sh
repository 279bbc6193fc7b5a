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

LC_ALL=C
export LC_ALL
umask 077
# The caller's PATH first (stand-ins in tests come from there), then where dom0 keeps Xen's tools.
PATH="${PATH:-/usr/bin:/bin}:/usr/local/sbin:/usr/sbin:/sbin:/usr/lib/xen/bin:/usr/libexec/xen/bin"
for d in /usr/lib/xen-*/bin; do [ -d "$d" ] && PATH="$PATH:$d"; done
export PATH

CAP=2097152          # bytes kept of one tool's output
TOOL_TIMEOUT=20      # seconds for one tool, where coreutils' timeout exists

# json_str: standard input -> one JSON string literal (with its quotes) on standard output. Every byte is kept:
# '"' and '\' are escaped, control characters (NUL included) become \n, \r, \t or \u00XX; bytes >= 0x80 pass
# through (the client decodes UTF-8). od numbers the bytes so awk never sees a raw control character.
json_str() {
  od -An -v -tu1 | awk '
    BEGIN {
      for (i = 0; i < 256; i++) e[i] = sprintf("%c", i)
      for (i = 0; i < 32; i++) e[i] = sprintf("\\u%04x", i)
      e[127] = "\\u007f"; e[8] = "\\b"; e[9] = "\\t"; e[10] = "\\n"; e[12] = "\\f"; e[13] = "\\r"
      e[34] = "\\\""; e[92] = "\\\\"
      printf "\""
    }
    { s = ""; for (i = 1; i <= NF; i++) s = s e[$i + 0]; printf "%s", s }
    END { printf "\"" }'
}

# js VALUE: a shell string as a JSON string literal. Plain text (no quote, backslash or control character) is
# printed as it is, without starting a process; anything else goes through json_str.
js() {
  case $1 in
    *[!\ A-Za-z0-9./=_,:+@\(\)#-]*) printf '%s' "$1" | json_str ;;
    *) printf '"%s"' "$1" ;;
  esac
}

has() { command -v "$1" >/dev/null 2>&1; }

# t CMD ARGS...: runs a read-only tool with a time limit where coreutils' timeout exists, its stdin from /dev/null
# (the helper itself arrives on stdin: a tool that read it would eat the rest of the script).
t() {
  if [ -n "$HAVE_TIMEOUT" ]; then timeout "$TOOL_TIMEOUT" "$@" </dev/null; else "$@" </dev/null; fi
}
HAVE_TIMEOUT=
has timeout && HAVE_TIMEOUT=1

# capture LABEL CMD ARGS...: runs the command, prints {"cmd": LABEL, "rc": N, "out": "...", "truncated": B}.
# The output is held in a variable (a sentinel keeps trailing newlines); stderr goes to the helper's stderr.
capture() {
  label=$1; shift
  out=$(t "$@" 2>/dev/null; printf 'x%d' "$?")
  emit_capture "$label" "$out"
}

# emit_capture LABEL OUT_WITH_SENTINEL
emit_capture() {
  o=${2%x*}; r=${2##*x}
  tr=false
  if [ "${#o}" -gt "$CAP" ]; then o=$(printf '%s' "$o" | head -c "$CAP"; printf x); o=${o%x}; tr=true; fi
  printf '{"cmd":%s,"rc":%s,"out":' "$(js "$1")" "$r"
  printf '%s' "$o" | json_str
  printf ',"truncated":%s}' "$tr"
}

err_obj() { printf '{"error":%s}' "$(js "$1")"; }

# Domain ids from `xl list` (second column of every row after the header), digits only.
DOMIDS=
XL_LIST=
if has xl; then
  XL_LIST=$(t xl list 2>/dev/null; printf 'x%d' "$?")
  if [ "${XL_LIST##*x}" = 0 ]; then
    DOMIDS=$(printf '%s' "${XL_LIST%x*}" | awk 'NR > 1 && $2 ~ /^[0-9]+$/ && length($2) < 6 { print $2 }' | head -n 4096)
  fi
fi

printf '{"ioreqScopeHelper":1,"host":{'
printf '"hostname":%s,' "$(js "$(uname -n 2>/dev/null)")"
printf '"kernel":%s,' "$(js "$(uname -sr 2>/dev/null)")"
printf '"user":%s,' "$(js "$(id -un 2>/dev/null)")"
printf '"time":%s' "$(js "$(date -u '+%Y-%m-%dT%H:%M:%SZ' 2>/dev/null)")"
printf '},"sections":{'

# xen: versions of Xen and of the toolstack (xl info prints xen_version and the xl build's cc_* lines).
printf '"xen":'
if has xl; then printf '{"info":'; capture 'xl info' xl info; printf '}'
else err_obj 'xl not found on PATH (is this a Xen dom0 with the xl toolstack?)'; fi

# domains: xl list (text: ids, names, vcpus, state) and xl list -l (JSON with c_info.type, b_info.max_vcpus).
printf ',"domains":'
if has xl; then
  printf '{"list":'; emit_capture 'xl list' "$XL_LIST"
  printf ',"long":'; capture 'xl list -l' xl list -l
  printf '}'
else err_obj 'xl not found on PATH'; fi

# deviceModels: libxl's xenstore nodes for each device model, and the processes (qemu, demu, varstored).
printf ',"deviceModels":{"xenstore":'
if has xenstore-ls; then capture 'xenstore-ls -f /local/domain/0/device-model' xenstore-ls -f /local/domain/0/device-model
else err_obj 'xenstore-ls not found on PATH'; fi
printf ',"ps":'
if has ps; then
  out=$(t ps -e -o pid= -o args= 2>/dev/null; printf 'x%d' "$?")
  rc=${out##*x}
  out=$(printf '%s' "${out%x*}" | grep -E 'qemu|xen-domid|demu|varstored'; printf 'x%s' "$rc")
  emit_capture 'ps -e -o pid= -o args=' "$out"
else err_obj 'ps not found on PATH'; fi
printf '}'

# evtchns: lsevtchn (tools/xcutils) walks EVTCHNOP_status, which only reads. Without it there is no read-only tool:
# the other way, the 'e' debug key, acts on Xen and writes to its console ring, so it is never used.
printf ',"evtchns":'
if has lsevtchn; then
  printf '{"perDomain":['
  sep=
  for id in $DOMIDS; do
    printf '%s{"domid":%s,"lsevtchn":' "$sep" "$id"; capture "lsevtchn $id" lsevtchn "$id"; printf '}'
    sep=,
  done
  printf ']}'
else
  err_obj 'no read-only tool for event channels on this host: lsevtchn (from Xen tools/xcutils) is not installed; the debug-key dump is not used because it acts on Xen and writes to the console ring'
fi

# params: no stock tool reads HVM params without side effects (IOREQ_PFN, BUFIOREQ_PFN and BUFIOREQ_EVTCHN would
# create an ioreq server). What libxl recorded in xenstore is read instead: store and console ports and ring-refs.
printf ',"params":'
if has xenstore-ls; then
  printf '{"note":%s,"perDomain":[' "$(js 'HVM params are not read from Xen: no stock tool reads them without side effects (HVMOP_get_param of IOREQ_PFN, BUFIOREQ_PFN or BUFIOREQ_EVTCHN creates an ioreq server). STORE_PFN, STORE_EVTCHN, CONSOLE_PFN and CONSOLE_EVTCHN come from the values libxl wrote to xenstore.')"
  sep=
  for id in $DOMIDS; do
    out=$(t xenstore-ls -f "/local/domain/$id" 2>/dev/null; printf 'x%d' "$?")
    rc=${out##*x}
    out=$(printf '%s' "${out%x*}" | grep -E "^/local/domain/$id/(store|console)/(port|ring-ref) = "; printf 'x%s' "$rc")
    printf '%s{"domid":%s,"xenstore":' "$sep" "$id"; emit_capture "xenstore-ls -f /local/domain/$id" "$out"; printf '}'
    sep=,
  done
  printf ']}'
else err_obj 'xenstore-ls not found on PATH'; fi

# console: the hypervisor console ring, read without clearing it, lines about ioreq servers only (last 500).
printf ',"console":'
if has xl; then
  out=$(t xl dmesg 2>/dev/null; printf 'x%d' "$?")
  rc=${out##*x}
  out=$(printf '%s' "${out%x*}" | grep -i 'ioreq' | tail -n 500; printf 'x%s' "$rc")
  printf '{"dmesg":'; emit_capture 'xl dmesg | grep -i ioreq' "$out"; printf '}'
else err_obj 'xl not found on PATH'; fi

printf '}}\n'
