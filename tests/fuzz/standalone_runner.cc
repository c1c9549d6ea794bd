// standalone_runner.cc: runs a libFuzzer target over files without libFuzzer,
// so that each target's seed corpus is a plain regression test in make check
// (the PowerDNS standalone_fuzz_target_runner pattern). Arguments are files
// or directories; with none, it reads $TOP_SRCDIR/tests/fuzz/corpus/<target>/,
// <target> being the program's name without its fuzz_ prefix, so that every
// target is built by the same rule (tests/local.mk).
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

// The target's name: tests/fuzz/fuzz_mime_walk runs the corpus mime_walk.
std::string targetName(const char* program)
{
  std::string name = std::filesystem::path(program).filename().string();
  const std::string prefix = "fuzz_";
  if (name.starts_with(prefix)) {
    name.erase(0, prefix.size());
  }
  return name;
}
} // namespace

int main(int argc, char** argv)
{
#ifdef DM_LIBFUZZER
  if (argc > 1) {
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
  }
#endif
  const std::string target = targetName(argv[0]);
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
    inputs.emplace_back(std::filesystem::path(top) / "tests/fuzz/corpus" / target);
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
    std::cerr << "FAIL: no input found for " << target << "\n";
    return 1;
  }
  std::cout << "PASS: " << target << ": " << count << " inputs\n";
  return 0;
}
