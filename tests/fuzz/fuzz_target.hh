// fuzz_target.hh: the libFuzzer entry point every fuzz target defines, and
// that standalone_runner.cc (or libFuzzer) calls.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
