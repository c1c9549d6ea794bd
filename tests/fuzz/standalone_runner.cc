// standalone_runner.cc: runs a libFuzzer target over files without libFuzzer,
// so that each target's seed corpus is a plain regression test in make check
// (the PowerDNS standalone_fuzz_target_runner pattern). Arguments are files
// or directories; with none, it reads $TOP_SRCDIR/tests/fuzz/corpus/<target>/.
// In a libFuzzer build (DM_LIBFUZZER, ./configure --enable-fuzzing) any
// arguments go to libFuzzer's own driver instead, so the one binary both
// replays its seeds in make check and fuzzes under make fuzz.
// Exits non-zero when an input cannot be read or the corpus is empty; a
// finding aborts the process, which the test harness reports as a failure.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_target.hh"

#ifdef DM_LIBFUZZER
// libFuzzer's driver, from its no-main archive (libclang_rt.fuzzer_no_main).
extern "C" int LLVMFuzzerRunDriver(int* argc, char*** argv,
                                   int (*callback)(const std::uint8_t* data, std::size_t size));
#endif

namespace
{
bool runFile(const std::filesystem::path& path)
{
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::cerr << "cannot read " << path << "\n";
    return false;
  }
  std::vector<char> data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
  return true;
}
} // namespace

int main(int argc, char** argv)
{
#ifdef DM_LIBFUZZER
  if (argc > 1) {
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
  }
#endif
  std::vector<std::filesystem::path> inputs;
  for (int i = 1; i < argc; ++i) {
    inputs.emplace_back(argv[i]);
  }
  if (inputs.empty()) {
    const char* top = std::getenv("TOP_SRCDIR");
    if (top == nullptr) {
      std::cerr << "FAIL: TOP_SRCDIR is not set and no corpus was given\n";
      return 1;
    }
    inputs.emplace_back(std::filesystem::path(top) / "tests/fuzz/corpus" / DM_FUZZ_TARGET);
  }
  std::size_t count = 0;
  for (const auto& input : inputs) {
    std::error_code error;
    if (std::filesystem::is_directory(input, error)) {
      for (const auto& entry : std::filesystem::directory_iterator(input)) {
        if (entry.is_regular_file()) {
          if (!runFile(entry.path())) {
            return 1;
          }
          ++count;
        }
      }
    } else {
      if (!runFile(input)) {
        return 1;
      }
      ++count;
    }
  }
  if (count == 0) {
    std::cerr << "FAIL: no input found for " << DM_FUZZ_TARGET << "\n";
    return 1;
  }
  std::cout << "PASS: " << DM_FUZZ_TARGET << ": " << count << " inputs\n";
  return 0;
}
