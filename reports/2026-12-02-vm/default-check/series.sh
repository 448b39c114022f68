#!/bin/bash
# series.sh CMD... : runs CMD and prints, each second, the MiB it and its
# children read in that second (rchar from /proc/PID/io), as "second:MiB".
# Used cold: `sync; echo 3 > /proc/sys/vm/drop_caches` before it.
"$@" & pid=$!
prev=0; t=0
while kill -0 $pid 2>/dev/null; do
  sleep 1; t=$((t+1))
  cur=0
  for p in $pid $(pgrep -P $pid); do
    c=$(awk '/^rchar/{print $2}' /proc/$p/io 2>/dev/null); cur=$((cur + ${c:-0}))
  done
  [ $cur -gt 0 ] && { printf "%d:%d " $t $(((cur-prev)>>20)); prev=$cur; }
done; echo
