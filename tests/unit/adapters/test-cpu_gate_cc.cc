// test-cpu_gate_cc.cc: the gate never lets more threads in than it has
// slots, serves them in arrival order, hands a released slot straight to
// the next in line, and lets a thread step out for a wait (OffCpuScope)
// and back in ahead of newcomers.
//
// Synchronisation: a test thread's place in line is observed through
// waiting(), polled with yields; nothing relies on sleeping.
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "lib/adapters/cpu_gate.hh"

using namespace dmarc;

namespace
{
void waitUntilWaiting(const CpuGate& gate, std::size_t count)
{
  while (gate.waiting() != count) {
    std::this_thread::yield();
  }
}

// Records the order in which threads got their slot.
struct Order
{
  std::mutex mutex;
  std::vector<int> entries;
  void add(int id)
  {
    std::lock_guard lock(mutex);
    entries.push_back(id);
  }
};
} // namespace

BOOST_AUTO_TEST_SUITE(test_cpu_gate_cc)

BOOST_AUTO_TEST_CASE(test_Slots_AtLeastOne)
{
  CpuGate gate(0);
  BOOST_TEST(gate.slots() == 1u, "got " << gate.slots() << " slots, want 1");
  BOOST_TEST(CpuGate::defaultSlots() >= 1u);
}

BOOST_AUTO_TEST_CASE(test_Slot_FreeGateEntersAtOnce)
{
  CpuGate gate(2);
  {
    CpuGate::Slot first(gate);
    CpuGate::Slot second(gate); // another "thread": the gate counts slots only
    BOOST_TEST(gate.holders() == 2u);
    BOOST_TEST(gate.waiting() == 0u);
  }
  BOOST_TEST(gate.holders() == 0u, "got " << gate.holders() << " holders after release, want 0");
}

BOOST_AUTO_TEST_CASE(test_Slot_ServedInArrivalOrder)
{
  CpuGate gate(1);
  Order order;
  std::vector<std::thread> threads;
  {
    CpuGate::Slot held(gate);
    for (int id = 0; id < 5; ++id) {
      threads.emplace_back([&gate, &order, id] {
        CpuGate::Slot slot(gate);
        order.add(id);
      });
      waitUntilWaiting(gate, static_cast<std::size_t>(id) + 1); // id is in line before id+1 starts
    }
  }
  for (auto& thread : threads) {
    thread.join();
  }
  std::vector<int> want{0, 1, 2, 3, 4};
  BOOST_TEST(order.entries == want, boost::test_tools::per_element());
  BOOST_TEST(gate.holders() == 0u);
}

BOOST_AUTO_TEST_CASE(test_Slot_NeverMoreHoldersThanSlots)
{
  CpuGate gate(2);
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        CpuGate::Slot slot(gate);
        int now = ++inside;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        --inside;
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  BOOST_TEST(most.load() <= 2, "got " << most.load() << " threads inside at once, want at most 2");
  BOOST_TEST(gate.holders() == 0u);
  BOOST_TEST(gate.waiting() == 0u);
}

BOOST_AUTO_TEST_CASE(test_OffCpuScope_GivesTheSlotAwayAndComesBackFirst)
{
  CpuGate gate(1);
  Order order;
  std::atomic<bool> stepOut{false};
  std::atomic<bool> stepIn{false};
  std::atomic<bool> outside{false};
  std::thread holder([&] {
    CpuGate::Slot slot(gate);
    while (!stepOut) {
      std::this_thread::yield();
    }
    {
      OffCpuScope wait; // a DNS query, say
      outside = true;
      while (!stepIn) {
        std::this_thread::yield();
      }
    }
    order.add(0);
  });
  waitUntilWaiting(gate, 0);
  while (gate.holders() != 1) {
    std::this_thread::yield();
  }
  // Two newcomers line up behind the holder.
  std::thread first([&] {
    CpuGate::Slot slot(gate);
    order.add(1);
    // While the holder is out, the first newcomer has the slot; keep it
    // until the holder is back in line.
    while (gate.waiting() != 2) {
      std::this_thread::yield();
    }
  });
  waitUntilWaiting(gate, 1);
  std::thread second([&] {
    CpuGate::Slot slot(gate);
    order.add(2);
  });
  waitUntilWaiting(gate, 2);
  stepOut = true; // the holder steps out: the first newcomer gets the slot
  while (!outside) {
    std::this_thread::yield();
  }
  stepIn = true; // the holder wants back in while the second still waits
  holder.join();
  first.join();
  second.join();
  std::vector<int> want{1, 0, 2};
  BOOST_TEST(order.entries == want, boost::test_tools::per_element());
  BOOST_TEST(gate.holders() == 0u);
}

BOOST_AUTO_TEST_CASE(test_OffCpuScope_WithoutSlotDoesNothing)
{
  CpuGate gate(1);
  {
    OffCpuScope wait;
    BOOST_TEST(gate.holders() == 0u);
  }
  CpuGate::Slot slot(gate);
  {
    OffCpuScope wait;
    BOOST_TEST(gate.holders() == 0u,
               "got " << gate.holders() << " holders while stepped out, want 0");
  }
  BOOST_TEST(gate.holders() == 1u,
             "got " << gate.holders() << " holders after stepping back in, want 1");
}

BOOST_AUTO_TEST_SUITE_END()
