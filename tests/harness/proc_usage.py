"""What a process has used so far, from /proc: for the benchmarks, which
measure the milters they start (Linux only)."""

import os

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """utime + stime of a process (all its threads), in seconds."""
    with open("/proc/%d/stat" % pid) as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def context_switches(pid):
    """Voluntary and involuntary context switches of a process's live threads
    (threads that ended are not counted)."""
    total = 0
    for task in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/status" % (pid, task)) as handle:
                total += sum(int(line.split()[1]) for line in handle if "ctxt_switches:" in line)
        except OSError:
            pass  # the thread ended
    return total


def peak_rss_kb(pid):
    """VmHWM of a process, in kB (0 when not shown)."""
    with open("/proc/%d/status" % pid) as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0
