// cpu_gate.cc: see cpu_gate.hh. Each waiter has its own condition
// variable, so a released slot wakes exactly the thread whose turn it is
// (not all of them, which on 2 cores costs more than the step it guards).
#include "lib/adapters/cpu_gate.hh"

#include <algorithm>
#include <sched.h>
#include <thread>

namespace dmarc
{
namespace
{
// The gate whose slot this thread holds (nullptr: none, or stepped out).
thread_local CpuGate* t_heldGate = nullptr;
} // namespace

CpuGate::CpuGate(unsigned slots) : d_slots(std::max(1u, slots)) {}

unsigned CpuGate::defaultSlots()
{
  unsigned cpus = 0;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    cpus = static_cast<unsigned>(CPU_COUNT(&set));
  }
  if (cpus == 0) {
    cpus = std::thread::hardware_concurrency();
  }
  return std::max(1u, cpus);
}

unsigned CpuGate::holders() const
{
  std::lock_guard lock(d_mutex);
  return d_holders;
}

std::size_t CpuGate::waiting() const
{
  std::lock_guard lock(d_mutex);
  return d_line.size();
}

void CpuGate::acquire(bool ahead)
{
  std::unique_lock lock(d_mutex);
  if (d_holders < d_slots && d_line.empty()) {
    ++d_holders;
    return;
  }
  Waiter self;
  d_line.insert(ahead ? d_line.begin() : d_line.end(), &self);
  // release() counts the slot as ours before waking us.
  self.wake.wait(lock, [&] { return self.granted; });
}

void CpuGate::release()
{
  std::lock_guard lock(d_mutex);
  if (!d_line.empty()) {
    // The slot passes straight to the next in line: no newcomer can take
    // it between the release and the wake-up.
    Waiter* next = d_line.front();
    d_line.pop_front();
    next->granted = true;
    next->wake.notify_one();
    return;
  }
  --d_holders;
}

CpuGate::Slot::Slot(CpuGate& gate) : d_gate(gate)
{
  d_gate.acquire(false);
  t_heldGate = &d_gate;
}

CpuGate::Slot::~Slot()
{
  t_heldGate = nullptr;
  d_gate.release();
}

OffCpuScope::OffCpuScope() noexcept : d_gate(t_heldGate)
{
  if (d_gate != nullptr) {
    t_heldGate = nullptr;
    d_gate->release();
  }
}

OffCpuScope::~OffCpuScope()
{
  if (d_gate != nullptr) {
    d_gate->acquire(true);
    t_heldGate = d_gate;
  }
}
} // namespace dmarc
