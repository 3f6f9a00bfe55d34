# Sourced by the bench scripts: the .NET runtime's own counters of the serve process, read by dotnet-counters
# (`dotnet tool install --global dotnet-counters`), summed up over the seconds serve was under load (allocating more
# than 10 MB/s): GC pause share of wall time, allocation rate, the largest gen2 and working set. Without the tool the
# scripts run as before and say so.
#   counters_start <pid> <csv>   counters_stop   counters_report <csv>

counters_tool=$(command -v dotnet-counters || echo "$HOME/.dotnet/tools/dotnet-counters")
counters_pid=""

counters_start() {
  [ -x "$counters_tool" ] || { echo "(dotnet-counters not installed: no GC figures)"; return 0; }
  "$counters_tool" collect --process-id "$1" --counters System.Runtime --format csv -o "$2" --refresh-interval 1 \
    >/dev/null 2>&1 &
  counters_pid=$!
}

counters_stop() {
  [ -n "$counters_pid" ] && kill "$counters_pid" 2>/dev/null && wait "$counters_pid" 2>/dev/null
  counters_pid=""
}

counters_report() {
  [ -s "$1" ] || return 0
  awk -F, '
    /dotnet.gc.heap.total_allocated/ { alloc[$1] = $5; if ($5 > 1e7) load[$1] = 1 }
    /dotnet.gc.pause.time/ { pause[$1] = $5 }
    /heap.size \(By\)\[gc.heap.generation=gen2\]/ { gen2[$1] = $5 }
    /dotnet.process.memory.working_set/ { ws[$1] = $5 }
    END {
      for (t in load) { n++; p += pause[t]; a += alloc[t]; if (gen2[t] > g) g = gen2[t]; if (ws[t] > w) w = ws[t] }
      if (n == 0) { print "serve runtime: no second under load"; exit }
      printf "serve runtime over %d s under load: GC pause %.1f %% of wall time, allocation %.0f MB/s, gen2 up to %.0f MB, RSS up to %.0f MB\n",
        n, 100 * p / n, a / n / 1e6, g / 1e6, w / 1e6
    }' "$1"
}
