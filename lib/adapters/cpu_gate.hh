// cpu_gate.hh: a first-come, first-served limit on how many threads run a
// CPU-bound step at once.
//
// Why: Debian's libmilter (built with _FFR_WORKERS_POOL) serves its
// sessions from a small pool of worker threads and hands a free worker the
// session nearest the head of its session list. When every worker is busy
// with end-of-message work (SPF, public-key operations, DMARC), the sessions
// further down the list wait longest, message after message: at 32
// connections on 2 cores the slowest 1% waited 5-7 times the median. A
// worker blocked in this gate counts as busy, so libmilter starts another
// worker for the next session instead of queueing it, and the CPU-bound
// step itself runs in arrival order with no more threads than there are
// cores to run them. Measured (tests/bench/milter, 32 connections, 2 cores,
// one slot per core): p99 0.7-0.9 times the no-op milter's instead of
// 1.1-1.8 times, at the same throughput.
//
// A thread that must wait for something other than the CPU while it holds
// a slot (a DNS answer from the network) steps out with OffCpuScope, which
// gives the slot to the next waiter and takes one back, ahead of the
// newcomers, when the wait is over. Code that never runs inside a slot
// (reports, tests) pays nothing for an OffCpuScope.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <list>
#include <mutex>

namespace dmarc
{
class CpuGate
{
public:
  // slots: how many threads may hold a slot at once (at least 1).
  explicit CpuGate(unsigned slots);
  CpuGate(const CpuGate&) = delete;
  CpuGate& operator=(const CpuGate&) = delete;

  // Holds a slot from construction (waiting in line for it) to
  // destruction. One per thread at a time.
  class Slot
  {
  public:
    explicit Slot(CpuGate& gate);
    ~Slot();
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

  private:
    CpuGate& d_gate;
  };

  unsigned slots() const { return d_slots; }
  unsigned holders() const;    // threads holding a slot right now
  std::size_t waiting() const; // threads in line for one

  // The CPUs this process may run on (at least one). Measured at 32
  // connections on 2 cores: one slot per CPU keeps the throughput of no
  // limit at all; a single slot costs a fifth of it.
  static unsigned defaultSlots();

private:
  friend class OffCpuScope;
  struct Waiter
  {
    std::condition_variable wake;
    bool granted = false;
  };
  void acquire(bool ahead);
  void release();

  const unsigned d_slots;
  mutable std::mutex d_mutex;
  unsigned d_holders = 0;
  std::list<Waiter*> d_line; // front is served first
};

// While alive, the calling thread does not hold its slot (if it holds
// one); the slot is taken back, ahead of threads that have not had one
// yet, when the scope ends.
class OffCpuScope
{
public:
  OffCpuScope() noexcept;
  ~OffCpuScope();
  OffCpuScope(const OffCpuScope&) = delete;
  OffCpuScope& operator=(const OffCpuScope&) = delete;

private:
  CpuGate* d_gate;
};
} // namespace dmarc
